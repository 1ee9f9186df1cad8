#pragma once
// Test helper: an in-process backup_server (the sidecar's HTTP side) running its io_context on a thread of its own,
// shut down and joined on destruction.

#include <cstdint>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "mysql_agent/io/backup_server.hpp"

namespace test_support {

class running_server {
public:
    explicit running_server(const mysql_agent::backup_server_options& o)
        : server_(std::make_unique<mysql_agent::backup_server>(ctx_.get_executor(), o)) {
        server_->start();
        thread_ = std::thread([this] { ctx_.run(); });
    }
    ~running_server() {
        server_->shutdown();
        thread_.join();
        server_.reset();
    }
    running_server(const running_server&) = delete;
    running_server& operator=(const running_server&) = delete;
    std::uint16_t port() const { return server_->local_endpoint().port(); }

private:
    boost::asio::io_context ctx_;
    std::unique_ptr<mysql_agent::backup_server> server_;
    std::thread thread_;
};

}  // namespace test_support
