#include "command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <fmt/format.h>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/logging.hpp"

namespace mysql_agent::cmd {

void bind_environment(CLI::App& sub) {
    for (CLI::Option* opt : sub.get_options()) {
        const auto& names = opt->get_lnames();
        if (names.empty() || names.front() == "help") continue;
        std::string env = "MYSQL_AGENT_" + names.front();
        std::transform(env.begin(), env.end(), env.begin(), [](unsigned char c) {
            return c == '-' ? '_' : static_cast<char>(std::toupper(c));
        });
        opt->envname(env);
    }
}

namespace {

/// Logs "mysql-agent <subcommand>: <message>" as one error line in the configured format and returns `code`.
int fail(std::string_view subcommand, int code, std::string_view message) {
    log_event(spdlog::level::err, fmt::format("mysql-agent {}: {}", subcommand, message),
              {{"event", "exit"}, {"exit_code", code}});
    return code;
}

}  // namespace

int guarded(std::string_view subcommand, const std::function<int()>& body) {
    try {
        return body();
    } catch (const agent_error& e) {
        return fail(subcommand, e.exit_code, e.what());
    } catch (const std::exception& e) {
        return fail(subcommand, exit_code::internal, std::string("unexpected error: ") + e.what());
    }
}

std::string local_hostname() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return {};
    return buf;
}

}  // namespace mysql_agent::cmd
