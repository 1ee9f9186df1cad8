// The pure half of the caching_sha2_password / sha256_password client: nonce, replies, how a full authentication
// travels, the XORs and the length limits. Byte values from a real MySQL 9.7.4 exchange
// (tests/support/mysql/caching_sha2_probe.py, NOTES.md §2).

#include "mysql_agent/core/sha2_auth_exchange.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace mysql_agent;
using namespace std::string_literals;

namespace {
const std::string nonce = "\x1f\x3c\x55\x01\x7f\x22\x2a\x10\x45\x66\x0b\x0c\x33\x44\x55\x66\x77\x11\x22\x33"s;
}

TEST_CASE("sha2 auth: the nonce from the server's auth data", "[sha2]") {
    SECTION("MySQL's handshake: 20 bytes and a NUL (auth-plugin-data-len 21)") {
        const auto n = nonce_from_auth_data(nonce + '\0');
        REQUIRE(n);
        CHECK(*n == nonce);
    }
    SECTION("the 20 bytes alone are taken too") { CHECK(nonce_from_auth_data(nonce).value() == nonce); }
    SECTION("8 bytes (an old server's first part), 21 without the NUL, nothing: errors naming the length") {
        struct row { const char* name; std::string data; const char* says; };
        for (const row& r : {row{"8 bytes", nonce.substr(0, 8), "8 bytes"}, row{"21 bytes, no NUL", nonce + "x", "21 bytes"},
                             row{"empty", "", "0 bytes"}}) {
            INFO(r.name);
            const auto n = nonce_from_auth_data(r.data);
            REQUIRE_FALSE(n);
            CHECK_THAT(n.message(), Catch::Contains(r.says));
        }
    }
}

TEST_CASE("sha2 auth: the server's replies", "[sha2]") {
    struct row { const char* name; std::string reply; sha2_reply means; };
    for (const row& r : {
             row{"03: fast auth success (the OK follows)", "\x03", sha2_reply::fast_auth_success},
             row{"04: perform full authentication", "\x04", sha2_reply::perform_full_authentication},
             row{"the PEM key after a request", "-----BEGIN PUBLIC KEY-----\nMIIB...\n-----END PUBLIC KEY-----\n",
                 sha2_reply::public_key},
             row{"03 with more bytes is not fast auth", "\x03\x00"s, sha2_reply::unexpected},
             row{"an empty reply", "", sha2_reply::unexpected},
             row{"a stray 0x01 marker (the library strips it)", "\x01\x03", sha2_reply::unexpected},
         }) {
        INFO(r.name);
        CHECK(classify_sha2_reply(r.reply) == r.means);
    }
}

TEST_CASE("sha2 auth: how a full authentication sends the password", "[sha2]") {
    using enum full_auth_step;
    struct row { const char* name; sha2_plugin plugin; bool tls; bool unix_socket; bool pinned; bool may_request;
                 full_auth_step step; };
    const auto c = sha2_plugin::caching_sha2_password;
    const auto s = sha2_plugin::sha256_password;
    //            name                                                         plugin tls  sock  pin  flag   step
    for (const row& r : {
             row{"caching_sha2, TLS: clear password inside TLS",                c, true, false, false, false, send_clear_password},
             row{"caching_sha2, TLS and a pinned key: TLS wins, no RSA",         c, true, false, true, true, send_clear_password},
             row{"caching_sha2, unix socket: the server trusts it, clear",       c, false, true, false, false, send_clear_password},
             row{"caching_sha2, TCP, pinned key: encrypted with it, no request", c, false, false, true, false, encrypt_with_pinned_key},
             row{"caching_sha2, TCP, pinned key and the flag: the pinned key",   c, false, false, true, true, encrypt_with_pinned_key},
             row{"caching_sha2, TCP, --get-server-public-key: the sent key",     c, false, false, false, true, request_public_key},
             row{"caching_sha2, TCP, none of the three: refuse",                 c, false, false, false, false, refuse},
             row{"sha256, TLS: clear",                                           s, true, false, false, false, send_clear_password},
             row{"sha256, unix socket: RSA with the socket's key (its client trusts only TLS)",
                                                                                 s, false, true, false, false, request_public_key},
             row{"sha256, unix socket, pinned key: the pinned key",              s, false, true, true, false, encrypt_with_pinned_key},
             row{"sha256, TCP, pinned key",                                      s, false, false, true, false, encrypt_with_pinned_key},
             row{"sha256, TCP, --get-server-public-key: the sent key",           s, false, false, false, true, request_public_key},
             row{"sha256, TCP, none of the three: refuse",                       s, false, false, false, false, refuse},
         }) {
        INFO(r.name);
        CHECK(choose_full_auth({.plugin = r.plugin, .tls_active = r.tls, .unix_socket = r.unix_socket,
                                .pinned_key = r.pinned, .may_request_key = r.may_request}) == r.step);
    }
    CHECK(public_key_request_byte(c) == 0x02);
    CHECK(public_key_request_byte(s) == 0x01);
}

TEST_CASE("sha2 auth: the refusal names the three ways out on one line", "[sha2]") {
    const std::string m = full_auth_refusal_message();
    CHECK(m.find('\n') == std::string::npos);
    CHECK_THAT(m, Catch::Contains("--replication-tls-ca") && Catch::Contains("--replication-server-public-key") &&
                      Catch::Contains("--get-server-public-key"));
}

TEST_CASE("sha2 auth: XORs", "[sha2]") {
    SECTION("password + NUL XOR the nonce, repeated past 20 bytes; XOR again gives the password back") {
        const std::string pw = "a password longer than twenty bytes";
        const std::string x = xor_password_with_nonce(pw, nonce);
        REQUIRE(x.size() == pw.size() + 1);
        CHECK(static_cast<unsigned char>(x[0]) == ('a' ^ 0x1f));
        CHECK(static_cast<unsigned char>(x[20]) == (static_cast<unsigned char>(pw[20]) ^ 0x1f));
        CHECK(x.back() == nonce[pw.size() % 20]);  // the NUL carries the nonce byte itself
        CHECK(xor_bytes(x, xor_password_with_nonce(std::string(pw.size(), '\0'), nonce)) == pw + '\0');
    }
    SECTION("xor_bytes of unequal lengths is empty, not a partial result") {
        CHECK(xor_bytes("abc", "ab").empty());
        CHECK(xor_bytes("\x0f\xf0"s, "\xff\xff"s) == "\xf0\x0f"s);
    }
}

TEST_CASE("sha2 auth: password length limits", "[sha2]") {
    CHECK(check_sha2_password_length(0, 256));
    CHECK(check_sha2_password_length(213, 256));  // 2048-bit key: 256 - 42 = 214 bytes with the NUL
    const auto too_long_for_rsa = check_sha2_password_length(214, 256);
    REQUIRE_FALSE(too_long_for_rsa);
    CHECK_THAT(too_long_for_rsa.message(), Catch::Contains("2048-bit") && Catch::Contains("at most 213"));
    CHECK(check_sha2_password_length(256, 0));  // no key involved (TLS, socket): the server's limit only
    const auto too_long = check_sha2_password_length(257, 0);
    REQUIRE_FALSE(too_long);
    CHECK_THAT(too_long.message(), Catch::Contains("at most 256"));
}
