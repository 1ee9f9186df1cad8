#include "mysql_agent/core/stream_digest.hpp"

#include <new>

// Header-only xxHash keeps core free of link dependencies (STYLE.md "Layout": core is std + header-only helpers).
// https://github.com/Cyan4973/xxHash#build-modifiers
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace mysql_agent {

struct stream_digest::state {
    XXH3_state_t* xxh = nullptr;
    state() : xxh(XXH3_createState()) {
        if (xxh == nullptr) throw std::bad_alloc();
        // Seed 0 and the default secret: the donor and the receiver must agree, and the digest is for
        // integrity only (see stream_digest.hpp), so nothing is gained by a secret.
        XXH3_64bits_reset(xxh);
    }
    ~state() { XXH3_freeState(xxh); }
    state(const state&) = delete;
    state& operator=(const state&) = delete;
};

stream_digest::stream_digest() : state_(std::make_unique<state>()) {}

stream_digest::~stream_digest() = default;

void stream_digest::update(const void* data, std::size_t size) {
    if (size == 0) return;
    XXH3_64bits_update(state_->xxh, data, size);
    bytes_ += size;
}

std::string stream_digest::hex() const {
    // XXH3_64bits_digest() does not finalise the state, so hex() may be called mid-stream and update() continues.
    const XXH64_hash_t h = XXH3_64bits_digest(state_->xxh);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "xxh3-64:";
    for (int shift = 60; shift >= 0; shift -= 4) out += digits[(h >> shift) & 0xf];
    return out;
}

}  // namespace mysql_agent
