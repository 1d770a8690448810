// The node side of a push (docs/push.md): stages a release from a manifest, local chunks and
// received ones, verifies it and publishes it as ROOT/releases/NAME.
//
// Nothing is written outside ROOT: the manifest is checked before anything is created (decode
// runs validate_manifest, the same function the sender's encode runs), every directory is
// opened beneath ROOT without following links, and files are created exclusively. A push stages
// into releases/NAME.partial/; an interrupted one is picked up by the next push of the same
// release, which keeps what is complete and reuses the verified prefix of what is not, so only
// missing chunks travel again.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "ferry/transfer/manifest.hpp"
#include "ferry/transfer/wire.hpp"

namespace ferry::transfer {

// Serves one `push` request whose JSON (`request`: release, dry_run) was already read from
// `channel`: reads the manifest, answers with the plan (a reply) and, unless dry_run, the
// chunks it lacks (a need frame), receives them, and publishes the release. Returns the
// final reply, which it has also sent. The caller holds ROOT's lock. Errors are thrown; the
// caller reports them to the sender.
nlohmann::json receive_push(Channel& channel, int root_fd, const std::string& root_display,
                            const nlohmann::json& request);

}  // namespace ferry::transfer
