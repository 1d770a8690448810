// Internal: the node side of `ferry bench link`, served by `ferry receive` next to pushes and
// releases (node_service.cpp). Neither request touches the release root: what arrives is
// decoded, verified as a push's chunks are, and dropped.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "ferry/transfer/wire.hpp"

namespace ferry::engine {

// Whether `op` names a bench request: "bench_ping" or "bench_sink".
bool is_bench_request(std::string_view op);

// bench_ping: answers {} at once (a round trip).
// bench_sink: reads chunk frames until an end frame, decodes each (zstd, hash check) and
// keeps none; answers {"frames", "wire_bytes", "raw_bytes"}. Memory: one chunk.
// The caller sends the returned reply.
nlohmann::json serve_bench_request(transfer::Channel& channel, const nlohmann::json& request);

}  // namespace ferry::engine
