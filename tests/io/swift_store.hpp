#pragma once
// Test helper: a real OpenStack Swift with its s3api middleware on loopback (tests/support/swift/swift-s3), one per
// test process, started on first use and stopped when the process exits, on five ports from port_claim.hpp.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "mariadb_server.hpp"
#include "port_claim.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"
#include "temp_dir.hpp"

namespace test_support {

/// `n` pseudo-random bytes from `seed` (object contents for the store's tests).
inline std::string random_bytes(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 g(seed);
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(g());
    return out;
}

/// Runs `command` through the shell; its stdout, and its exit status in `status`.
inline std::string run_shell(const std::string& command, int& status) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) throw std::runtime_error("popen failed: " + command);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    status = ::pclose(p);
    return out;
}

class swift_store {
public:
    /// The store of this test process.
    static swift_store& instance() {
        static std::unique_ptr<swift_store> store(new swift_store());
        return *store;
    }

    ~swift_store() {
        int status = 0;
        run_shell(std::string(SWIFT_S3_SCRIPT) + " stop " + stop_dir_.string() + " >/dev/null 2>&1", status);
    }

    const std::string& endpoint() const { return env_.at("S3_ENDPOINT"); }
    std::uint16_t port() const { return port_; }
    const std::string& access_key() const { return env_.at("S3_ACCESS_KEY"); }
    const std::string& secret_key() const { return env_.at("S3_SECRET_KEY"); }
    const std::string& region() const { return env_.at("S3_REGION"); }

    /// Debian's awscli against this store with its keys and no user configuration: `args` after "aws".
    std::string aws(const std::string& args, int& status) const {
        const std::string env = "env -i PATH=/usr/bin:/bin HOME=" + dir_.path().string() +
                                " AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent" +
                                " AWS_ACCESS_KEY_ID=" + access_key() + " AWS_SECRET_ACCESS_KEY=" + secret_key() +
                                " AWS_DEFAULT_REGION=" + region() + " ";
        return run_shell(env + "/usr/bin/aws --endpoint-url " + endpoint() + " " + args, status);
    }

    fs::path scratch() const { return dir_.path(); }

    /// Stops every server of the store (its data stays); start() brings it back on the same ports.
    void stop() {
        int status = 0;
        run_shell(std::string(SWIFT_S3_SCRIPT) + " stop " + stop_dir_.string() + " >/dev/null 2>&1", status);
        if (status != 0) throw std::runtime_error("swift-s3 stop failed");
    }
    void start() {
        int status = 0;
        run_shell(std::string(SWIFT_S3_SCRIPT) + " start " + stop_dir_.string() + " " + std::to_string(port_) + " >/dev/null 2>" +
                      (dir_.path() / "restart.err").string(),
                  status);
        if (status != 0)
            throw std::runtime_error("swift-s3 start (again) failed (" + std::to_string(status) +
                                     "): " + failure_of(dir_.path() / "restart.err"));
    }

    /// Client options for this store (path-style, its keys and region). Throws on an endpoint that does not parse.
    mysql_agent::objstore::s3_client_options client_options() const {
        mysql_agent::objstore::s3_client_options o;
        auto e = mysql_agent::objstore::parse_endpoint(endpoint());
        if (!e) throw std::runtime_error(e.message());
        o.endpoint = *e;
        o.region = region();
        o.credentials = {access_key(), secret_key()};
        o.timeout = std::chrono::seconds(20);
        return o;
    }

    /// Creates `bucket` with awscli once per process. Throws when awscli fails.
    void ensure_bucket(const std::string& bucket) {
        if (buckets_.count(bucket)) return;
        int status = 0;
        const auto out = aws("s3api create-bucket --bucket " + bucket + " 2>&1", status);
        if (status != 0) throw std::runtime_error("aws s3api create-bucket " + bucket + ": " + out);
        buckets_[bucket] = true;
    }

    /// The object as awscli downloads it. Throws when awscli fails.
    std::string aws_get(const std::string& bucket, const std::string& key) const {
        const auto file = dir_.path() / "aws-get";
        int status = 0;
        const auto out = aws("s3api get-object --bucket " + bucket + " --key '" + key + "' " + file.string() + " 2>&1",
                             status);
        if (status != 0) throw std::runtime_error("aws s3api get-object " + key + ": " + out);
        std::ifstream in(file, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

private:
    swift_store() : dir_("swift-store"), ports_(5), port_(ports_.first()) {
        stop_dir_ = dir_.path() / "swift";
        int status = 0;
        const std::string out = run_shell(std::string(SWIFT_S3_SCRIPT) + " start " + (dir_.path() / "swift").string() +
                                              " " + std::to_string(port_) + " 2>" + (dir_.path() / "start.err").string(),
                                          status);
        if (status != 0)
            throw std::runtime_error("swift-s3 start failed (" + std::to_string(status) + "): " +
                                     failure_of(dir_.path() / "start.err"));
        std::istringstream lines(out);
        for (std::string line; std::getline(lines, line);)
            if (const auto eq = line.find('='); eq != std::string::npos) env_[line.substr(0, eq)] = line.substr(eq + 1);
    }

    /// What a failed `swift-s3 start` said: its own lines (the reason) and the end of the servers' logs after them.
    static std::string failure_of(const fs::path& err) {
        std::ifstream in(err);
        std::string own, line;
        while (std::getline(in, line))
            if (line.rfind("swift-s3:", 0) == 0) own += line + "\n";
        return own + "--- the end of its output:\n" + file_tail(err, 1500);
    }

    temp_dir dir_;
    port_claim ports_;  // the store is stopped and started again on the same ports (port_claim.hpp)
    std::uint16_t port_;
    fs::path stop_dir_;
    std::map<std::string, std::string> env_;
    std::map<std::string, bool> buckets_;
};

}  // namespace test_support
