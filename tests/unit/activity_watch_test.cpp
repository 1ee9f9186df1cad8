// idle_watch: a tool is stuck only when nothing it does changes for longer than the limit; any CPU tick or byte
// resets it, and a sample that cannot be read never counts against it.
#include <catch2/catch.hpp>

#include "mysql_agent/core/activity_watch.hpp"

using namespace mysql_agent;
using namespace std::chrono_literals;

namespace {

struct step {
    std::chrono::milliseconds at;
    std::optional<process_activity> sample;
    bool idle;
};

}  // namespace

TEST_CASE("idle_watch: stuck only after the limit passes with nothing changing", "[activity]") {
    const process_activity a{100, 5000, 7000};
    const process_activity cpu{101, 5000, 7000}, read{100, 5001, 7000}, written{100, 5000, 7001};
    const struct {
        const char* shows;
        std::vector<step> steps;
    } rows[] = {
        {"unchanged beyond the limit", {{0ms, a, false}, {1000ms, a, false}, {2000ms, a, false}, {2001ms, a, true}}},
        {"exactly the limit is not beyond it", {{0ms, a, false}, {2000ms, a, false}}},
        {"a CPU tick resets the clock",
         {{0ms, a, false}, {1900ms, a, false}, {1950ms, cpu, false}, {3900ms, cpu, false}, {3951ms, cpu, true}}},
        {"a byte read resets the clock", {{0ms, a, false}, {1999ms, a, false}, {2500ms, read, false}, {4400ms, read, false}}},
        {"a byte written resets the clock", {{0ms, a, false}, {1999ms, a, false}, {2500ms, written, false}, {4501ms, written, true}}},
        {"an unreadable sample counts as activity",
         {{0ms, a, false}, {1500ms, std::nullopt, false}, {3000ms, a, false}, {4000ms, a, false}, {5001ms, a, true}}},
        {"going back (a counter reset) is a change too", {{0ms, cpu, false}, {2500ms, a, false}, {4000ms, a, false}}},
    };
    for (const auto& r : rows) {
        INFO(r.shows);
        idle_watch w(2000ms);
        const auto t0 = idle_watch::clock::time_point{} + 1h;
        for (const auto& s : r.steps) {
            INFO("at " << s.at.count() << " ms");
            CHECK(w.idle_at(t0 + s.at, s.sample) == s.idle);
        }
    }
}

TEST_CASE("idle_watch reports how long nothing changed", "[activity]") {
    idle_watch w(10s);
    const auto t0 = idle_watch::clock::time_point{} + 1h;
    w.idle_at(t0, process_activity{1, 2, 3});
    w.idle_at(t0 + 4s, process_activity{1, 2, 3});
    CHECK(w.unchanged_for() == 4s);
    w.idle_at(t0 + 5s, process_activity{2, 2, 3});
    CHECK(w.unchanged_for() == 0s);
}
