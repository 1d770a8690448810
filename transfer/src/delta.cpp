#include "ferry/transfer/delta.hpp"

#include <fmt/format.h>
#include <zstd.h>

#include <memory>

#include "ferry/common/error.hpp"

namespace ferry::transfer {
namespace {

// 2^30 covers base + target at k_max_delta_file each; the decoder refuses anything larger.
constexpr int k_max_window_log = 30;

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};

int window_log_for(std::uint64_t bytes) {
  int log = 10;  // ZSTD_WINDOWLOG_MIN
  while (log < k_max_window_log && (std::uint64_t{1} << log) < bytes)
    ++log;
  return log;
}

void check(std::size_t rc, std::string_view what) {
  if (ZSTD_isError(rc))
    throw Error(ErrorKind::failure, fmt::format("{}: {}", what, ZSTD_getErrorName(rc)));
}

}  // namespace

std::string compress_delta(std::string_view base, std::string_view target, int level) {
  if (base.size() > k_max_delta_file || target.size() > k_max_delta_file)
    throw Error(ErrorKind::failure,
                fmt::format("a delta of {} bytes against {} is over the limit of {} bytes",
                            target.size(), base.size(), k_max_delta_file));
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  if (!cctx)
    throw Error(ErrorKind::failure, "cannot create a zstd context");
  const char* what = "cannot compress a delta";
  check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level), what);
  check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_windowLog,
                               window_log_for(base.size() + target.size())),
        what);
  check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_enableLongDistanceMatching, 1), what);
  check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1), what);
  check(ZSTD_CCtx_refPrefix(cctx.get(), base.data(), base.size()), what);
  std::string out(ZSTD_compressBound(target.size()), '\0');
  const std::size_t n =
      ZSTD_compress2(cctx.get(), out.data(), out.size(), target.data(), target.size());
  check(n, what);
  out.resize(n);
  return out;
}

std::string decompress_delta(std::string_view base, std::string_view frame, std::uint64_t size) {
  const unsigned long long announced = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (announced != size || size > k_max_delta_file)
    throw Error(ErrorKind::failure,
                fmt::format("the delta is not one zstd frame of the file's {} bytes", size));
  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
  if (!dctx)
    throw Error(ErrorKind::failure, "cannot create a zstd context");
  const char* what = "the delta does not apply to the node's copy";
  check(ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, k_max_window_log), what);
  check(ZSTD_DCtx_refPrefix(dctx.get(), base.data(), base.size()), what);
  std::string out(static_cast<std::size_t>(size), '\0');
  const std::size_t n =
      ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), frame.data(), frame.size());
  check(n, what);
  if (n != size)
    throw Error(ErrorKind::failure,
                fmt::format("{}: {} bytes where {} were announced", what, n, size));
  return out;
}

}  // namespace ferry::transfer
