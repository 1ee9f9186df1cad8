// pipelined_sink: pieces reach the consumer in order and whole, the queue never holds more than its limit, and the
// consumer's first failure reaches the producer (its next push, or finish) with its own type.

#include <atomic>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "mysql_agent/io/pipelined_sink.hpp"

using mysql_agent::pipelined_sink;

TEST_CASE("pipelined_sink hands every piece on in order, within its limit", "[pipelined_sink]") {
    std::string got;
    std::atomic<std::size_t> consumed{0};
    std::string sent;
    std::size_t most_ahead = 0;
    {
        pipelined_sink sink(
            [&](std::string_view piece) {
                got.append(piece);
                consumed += piece.size();
            },
            4096);
        for (int i = 0; i < 2000; ++i) {
            const std::string piece(static_cast<std::size_t>(1 + i % 700), static_cast<char>('a' + i % 26));
            sink.push(piece);
            sent += piece;
            most_ahead = std::max(most_ahead, sent.size() - consumed.load());
        }
        sink.finish();
        CHECK(consumed == sent.size());
    }
    CHECK(got == sent);
    // Queued (at most the limit) plus the piece being consumed (at most 700 bytes) plus the one just pushed.
    CHECK(most_ahead <= 4096 + 700 + 700);
}

TEST_CASE("pipelined_sink: the consumer's failure reaches the producer with its type, and stops the consumer",
          "[pipelined_sink]") {
    struct refused : std::runtime_error {
        using std::runtime_error::runtime_error;
    };
    std::atomic<int> calls{0};
    pipelined_sink sink(
        [&](std::string_view piece) {
            ++calls;
            if (piece == "bad") throw refused("piece refused");
        },
        1 << 20);
    sink.push("good");
    sink.push("bad");
    bool thrown = false;
    try {
        for (int i = 0; i < 1000; ++i) sink.push("after");  // the failure surfaces at a push, or at finish
        sink.finish();
    } catch (const refused& e) {
        thrown = true;
        CHECK(std::string(e.what()) == "piece refused");
    }
    CHECK(thrown);
    CHECK(calls == 2);  // nothing after the failed piece was consumed
    CHECK_THROWS_AS(sink.finish(), refused);
}
