#include "mysql_agent/io/zstd_codec.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <zstd.h>
#include <zstd_errors.h>

namespace mysql_agent {
namespace {

void check(std::size_t rc, const char* what) {
    if (ZSTD_isError(rc)) throw std::runtime_error(std::string("zstd: ") + what + ": " + ZSTD_getErrorName(rc));
}

}  // namespace

struct zstd_frame_encoder::state {
    ZSTD_CCtx* ctx = ZSTD_createCCtx();
    ~state() { ZSTD_freeCCtx(ctx); }
};

zstd_frame_encoder::zstd_frame_encoder() : state_(std::make_unique<state>()) {
    if (!state_->ctx) throw std::runtime_error("zstd: cannot allocate a compression context");
}

zstd_frame_encoder::~zstd_frame_encoder() = default;

void zstd_frame_encoder::encode(std::span<const char> block, int level, std::vector<char>& out) {
    check(ZSTD_CCtx_reset(state_->ctx, ZSTD_reset_session_and_parameters), "resetting the context");
    check(ZSTD_CCtx_setParameter(state_->ctx, ZSTD_c_compressionLevel, level), "setting the compression level");
    check(ZSTD_CCtx_setParameter(state_->ctx, ZSTD_c_checksumFlag, 1), "enabling the content checksum");
    out.resize(ZSTD_compressBound(block.size()));
    // One call with the whole block: libzstd then knows its size, writes it into the frame header and sizes the
    // window to the block (so no frame asks the client for more than a block's window, at any level).
    const std::size_t n = ZSTD_compress2(state_->ctx, out.data(), out.size(), block.data(), block.size());
    check(n, "compressing");
    out.resize(n);
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
