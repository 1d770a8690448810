// Hot loops of the canonical row form: every row read from a server passes through these.
#include <benchmark/benchmark.h>

#include <string>

#include "ferry/schema/row.hpp"

namespace {

using namespace ferry::schema;

void bm_numeric(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    canonical::numeric("-0001234567.8900", out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_numeric);

void bm_timestamptz(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    canonical::timestamp("2024-02-29 23:59:58.123+05:30", LogicalType::timestamptz, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_timestamptz);

void bm_float(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    canonical::float_text("3.141592653589793", LogicalType::float64, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(bm_float);

void bm_batch_fill(benchmark::State& state) {
  RowBatch batch(4);
  for (auto _ : state) {
    batch.clear();
    for (int r = 0; r < 8192; ++r) {
      batch.add_value("12345");
      batch.add_value("some text value");
      batch.add_null();
      batch.add_value("2024-01-01 00:00:00.000000Z");
    }
    benchmark::DoNotOptimize(batch.byte_size());
  }
  state.SetItemsProcessed(state.iterations() * 8192);
}
BENCHMARK(bm_batch_fill);

}  // namespace
