#include "mysql_agent/io/stoppable.hpp"

#include <condition_variable>
#include <mutex>

namespace mysql_agent {

bool wait_unless_stopped(std::stop_token stop, std::chrono::milliseconds d) {
    // condition_variable_any's stop_token overload registers a callback that wakes the wait on request_stop().
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait_for(lock, stop, d, [] { return false; });
    return !stop.stop_requested();
}

}  // namespace mysql_agent
