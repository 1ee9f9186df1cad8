#include "mysql_agent/core/token_bucket.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>

using namespace mysql_agent;
using namespace std::chrono_literals;

namespace {

double seconds(token_bucket::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

TEST_CASE("token bucket: a burst goes at once, then the rate holds", "[rate]") {
    token_bucket b(1000, 500, 0s);
    CHECK(b.take(500, 0s) == 0s);                              // the burst
    CHECK(seconds(b.take(250, 0s)) == Approx(0.25));          // in debt: wait for the deficit
    CHECK(seconds(b.take(250, 0s)) == Approx(0.5));           // a second taker queues behind the first
    CHECK(seconds(b.take(0, 500ms)) == Approx(0.0).margin(1e-9));  // the debt paid off by waiting
    CHECK(seconds(b.take(1000, 500ms)) == Approx(1.0));
}

TEST_CASE("token bucket: an idle spell refills only up to the burst", "[rate]") {
    token_bucket b(1000, 100, 0s);
    CHECK(seconds(b.take(100, 1h)) == 0);
    CHECK(seconds(b.take(100, 1h)) == Approx(0.1));
}

TEST_CASE("token bucket: chunks larger than the burst keep the long-run rate exact", "[rate]") {
    // 256 KiB chunks against 64 KiB/s: whatever the chunk size, bytes / elapsed converges on the rate.
    const std::uint64_t rate = 64 * 1024, chunk = 256 * 1024;
    token_bucket b(rate, token_bucket::default_burst(rate), 0s);
    token_bucket::duration now = 0s;
    std::uint64_t sent = 0;
    for (int i = 0; i < 40; ++i) {
        now += b.take(chunk, now);  // the caller waits, then sends
        sent += chunk;
    }
    const double measured = static_cast<double>(sent) / seconds(now);
    CHECK(measured > rate);  // the first burst went for free
    CHECK(measured < rate * 1.01);
}

TEST_CASE("token bucket: a clock that steps back changes nothing", "[rate]") {
    token_bucket b(1000, 0, 10s);
    CHECK(seconds(b.take(100, 10s)) == Approx(0.1));
    CHECK(seconds(b.take(100, 5s)) == Approx(0.2));
}

TEST_CASE("token bucket: the default burst", "[rate]") {
    CHECK(token_bucket::default_burst(1) == 64 * 1024);
    CHECK(token_bucket::default_burst(100 * 1024 * 1024) == 10485760);
}
