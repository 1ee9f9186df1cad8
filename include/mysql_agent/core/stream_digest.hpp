#pragma once
// The digest both ends compute over the backup body (XXH3-64: integrity, not authenticity; the
// bearer token and the network policy guard authenticity). Header-only xxHash, so core stays pure.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace mysql_agent {

/// Incremental XXH3-64 over a byte stream; hex() renders "xxh3-64:<16 lowercase hex>".
class stream_digest {
public:
    stream_digest();
    ~stream_digest();
    stream_digest(const stream_digest&) = delete;
    stream_digest& operator=(const stream_digest&) = delete;

    void update(const void* data, std::size_t size);
    std::uint64_t bytes() const noexcept { return bytes_; }
    std::string hex() const;

private:
    struct state;
    std::unique_ptr<state> state_;
    std::uint64_t bytes_ = 0;
};

}  // namespace mysql_agent
