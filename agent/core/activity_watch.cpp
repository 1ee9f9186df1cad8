#include "mysql_agent/core/activity_watch.hpp"

namespace mysql_agent {

bool idle_watch::idle_at(clock::time_point now, const std::optional<process_activity>& sample) {
    if (!sample || !last_ || !(*sample == *last_)) {
        last_ = sample;
        since_ = now;
        unchanged_ = std::chrono::milliseconds(0);
        return false;
    }
    unchanged_ = std::chrono::duration_cast<std::chrono::milliseconds>(now - since_);
    return unchanged_ > limit_;
}

}  // namespace mysql_agent
