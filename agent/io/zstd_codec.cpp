#include "mysql_agent/io/zstd_codec.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <zstd.h>
#include <zstd_errors.h>

namespace mysql_agent {
namespace {

/// Jobs of a multi-threaded frame. The caller's thread (the sidecar's event loop) may wait for one job when all
/// workers are busy, so a job must compress quickly at any level offered: 2 MiB is level 1's own default and
/// under a second at level 19.
constexpr int mt_job_bytes = 2 * 1024 * 1024;

void check(std::size_t rc, const char* what) {
    if (ZSTD_isError(rc)) throw std::runtime_error(std::string("zstd: ") + what + ": " + ZSTD_getErrorName(rc));
}

}  // namespace

struct zstd_compressor::state {
    ZSTD_CCtx* ctx = ZSTD_createCCtx();
    std::vector<char> out = std::vector<char>(ZSTD_CStreamOutSize());
    ~state() { ZSTD_freeCCtx(ctx); }
};

zstd_compressor::zstd_compressor(int level, unsigned workers) : state_(std::make_unique<state>()) {
    if (!state_->ctx) throw std::runtime_error("zstd: cannot allocate a compression context");
    check(ZSTD_CCtx_setParameter(state_->ctx, ZSTD_c_compressionLevel, level), "setting the compression level");
    check(ZSTD_CCtx_setParameter(state_->ctx, ZSTD_c_checksumFlag, 1), "enabling the content checksum");
    // A libzstd built without ZSTD_MULTITHREAD refuses any worker count above 0: it then compresses in the
    // caller's thread, which is slower but correct.
    if (workers > 0 && !ZSTD_isError(ZSTD_CCtx_setParameter(state_->ctx, ZSTD_c_nbWorkers, static_cast<int>(workers)))) {
        workers_ = workers;
        check(ZSTD_CCtx_setParameter(state_->ctx, ZSTD_c_jobSize, mt_job_bytes), "setting the job size");
    }
}

zstd_compressor::~zstd_compressor() = default;

std::span<const char> zstd_compressor::compress(std::span<const char>& input) {
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    ZSTD_outBuffer out{state_->out.data(), state_->out.size(), 0};
    check(ZSTD_compressStream2(state_->ctx, &out, &in, ZSTD_e_continue), "compressing");
    bytes_in_ += in.pos;
    input = input.subspan(in.pos);
    return {state_->out.data(), out.pos};
}

std::span<const char> zstd_compressor::finish() {
    ZSTD_inBuffer in{nullptr, 0, 0};
    ZSTD_outBuffer out{state_->out.data(), state_->out.size(), 0};
    const std::size_t left = ZSTD_compressStream2(state_->ctx, &out, &in, ZSTD_e_end);
    check(left, "ending the frame");
    finished_ = left == 0;
    return {state_->out.data(), out.pos};
}

struct zstd_decompressor::state {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    std::vector<char> out;
    ~state() { ZSTD_freeDCtx(ctx); }
};

zstd_decompressor::zstd_decompressor(std::size_t output_capacity) : state_(std::make_unique<state>()) {
    if (!state_->ctx) throw std::runtime_error("zstd: cannot allocate a decompression context");
    state_->out.resize(output_capacity);
    check(ZSTD_DCtx_setParameter(state_->ctx, ZSTD_d_windowLogMax, max_window_log), "limiting the window size");
}

zstd_decompressor::~zstd_decompressor() = default;

result<std::span<const char>> zstd_decompressor::decompress(std::span<const char>& input) {
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    ZSTD_outBuffer out{state_->out.data(), state_->out.size(), 0};
    const std::size_t rc = ZSTD_decompressStream(state_->ctx, &out, &in);
    if (ZSTD_isError(rc)) {
        std::string why = ZSTD_getErrorName(rc);
        if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge)
            why += " (the frame asks for a window above " + std::to_string(1u << max_window_log) +
                   " bytes, which no level --compress offers)";
        return error{why};
    }
    input = input.subspan(in.pos);
    bytes_out_ += out.pos;
    output_pending_ = out.pos == out.size;
    // 0: a frame was completely decoded and fully flushed. A call that took and gave nothing (the one after an
    // output that filled the buffer exactly) says nothing new: at a frame's end it returns the next header's size.
    if (in.pos > 0 || out.pos > 0) at_frame_end_ = rc == 0;
    return std::span<const char>(state_->out.data(), out.pos);
}

}  // namespace mysql_agent
