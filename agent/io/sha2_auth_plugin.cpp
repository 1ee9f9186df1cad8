#include "mysql_agent/io/sha2_auth_plugin.hpp"

#include <errmsg.h>
#include <mysql.h>
#include <mysql/client_plugin.h>
#include <openssl/crypto.h>

#include <cstdarg>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/sha2_auth_exchange.hpp"
#include "mysql_agent/io/sha2_crypto.hpp"

namespace mysql_agent {
namespace {

// A copy of the password (+ NUL) that is wiped when it goes.
struct wiped_string {
    std::string bytes;
    ~wiped_string() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

// Sets the connection's error (what mysql_error() will say) and ends the plugin. Never given the password.
int fail(MYSQL* mysql, sha2_plugin plugin, const std::string& what) {
    const char* name = plugin == sha2_plugin::caching_sha2_password ? "caching_sha2_password" : "sha256_password";
    my_set_error(mysql, CR_AUTH_PLUGIN_ERR, "HY000", "%s (agent's built-in %s client plugin)", what.c_str(), name);
    return CR_ERROR;
}

bool write_packet(MYSQL_PLUGIN_VIO* vio, std::string_view bytes) {
    return vio->write_packet(vio, reinterpret_cast<const unsigned char*>(bytes.data()),
                             static_cast<int>(bytes.size())) == 0;
}

// The next packet, 0x01 marker already stripped by the library; nullopt when reading failed (the library has
// then set the error, e.g. the server's ERR packet).
std::optional<std::string_view> read_packet(MYSQL_PLUGIN_VIO* vio) {
    unsigned char* buffer = nullptr;
    const int length = vio->read_packet(vio, &buffer);
    if (length < 0) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(length));
}

bool over_unix_socket(MYSQL_PLUGIN_VIO* vio) {
    MYSQL_PLUGIN_VIO_INFO info{};
    vio->info(vio, &info);
    return info.protocol == MYSQL_PLUGIN_VIO_INFO::MYSQL_VIO_SOCKET;
}

// TLS is set up before authentication; a cipher means it is active on this connection (NOTES.md §1).
bool tls_active(MYSQL* mysql) { return mysql_get_ssl_cipher(mysql) != nullptr; }

// The key policy of the login in progress on this thread (sha2_auth_plugin.hpp says why a thread-local).
thread_local const sha2_key_policy* current_policy = nullptr;

// Full authentication: core's choose_full_auth decides between the password in clear (TLS, caching_sha2's unix
// socket), RSA with the pinned key, RSA with the key the server sends on request, and refusing. CR_OK: the library
// reads the server's verdict.
int full_authentication(sha2_plugin plugin, MYSQL_PLUGIN_VIO* vio, MYSQL* mysql, std::string_view password,
                        std::string_view nonce) {
    static const sha2_key_policy strictest;
    const sha2_key_policy& policy = current_policy ? *current_policy : strictest;
    const full_auth_facts facts{.plugin = plugin,
                                .tls_active = tls_active(mysql),
                                .unix_socket = over_unix_socket(vio),
                                .pinned_key = !policy.pinned_key_pem.empty(),
                                .may_request_key = policy.may_request_key};
    std::string_view key;
    switch (choose_full_auth(facts)) {
    case full_auth_step::send_clear_password: {
        const wiped_string clear{std::string(password) + '\0'};
        return write_packet(vio, clear.bytes) ? CR_OK : CR_ERROR;
    }
    case full_auth_step::refuse: return fail(mysql, plugin, full_auth_refusal_message());
    case full_auth_step::encrypt_with_pinned_key: key = policy.pinned_key_pem; break;
    case full_auth_step::request_public_key: {
        const char request = static_cast<char>(public_key_request_byte(plugin));
        if (!write_packet(vio, std::string_view(&request, 1))) return CR_ERROR;
        const auto sent = read_packet(vio);
        if (!sent) return CR_ERROR;
        if (classify_sha2_reply(*sent) != sha2_reply::public_key)
            return fail(mysql, plugin, "asked for the server's RSA public key, got " + std::to_string(sent->size()) +
                                           " bytes that are not a PEM key");
        key = *sent;
        break;
    }
    }
    const auto encrypted = encrypt_password_for_server(key, password, nonce);
    if (!encrypted) return fail(mysql, plugin, encrypted.message());
    return write_packet(vio, *encrypted) ? CR_OK : CR_ERROR;
}

// The start both plugins share: the nonce, then nothing more to do for an empty password (an empty response).
struct opening {
    std::optional<int> done;  // set: return this
    std::string nonce;
};

opening open_exchange(sha2_plugin plugin, MYSQL_PLUGIN_VIO* vio, MYSQL* mysql, std::string_view password) {
    const auto data = read_packet(vio);
    if (!data) return {CR_ERROR, {}};
    auto nonce = nonce_from_auth_data(*data);
    if (!nonce) return {fail(mysql, plugin, nonce.message()), {}};
    if (password.empty()) return {write_packet(vio, {}) ? CR_OK : CR_ERROR, {}};
    return {std::nullopt, std::move(*nonce)};
}

int caching_sha2_authenticate(MYSQL_PLUGIN_VIO* vio, MYSQL* mysql) noexcept try {
    constexpr auto plugin = sha2_plugin::caching_sha2_password;
    const std::string_view password = mysql->passwd ? mysql->passwd : "";
    const auto start = open_exchange(plugin, vio, mysql, password);
    if (start.done) return *start.done;
    const auto scramble = caching_sha2_scramble(password, start.nonce);
    if (!scramble) return fail(mysql, plugin, scramble.message());
    if (!write_packet(vio, *scramble)) return CR_ERROR;
    const auto reply = read_packet(vio);
    if (!reply) return CR_ERROR;
    switch (classify_sha2_reply(*reply)) {
    case sha2_reply::fast_auth_success: return CR_OK;  // the OK packet follows; the library reads it
    case sha2_reply::perform_full_authentication: return full_authentication(plugin, vio, mysql, password, start.nonce);
    default:
        return fail(mysql, plugin,
                    "unexpected reply to the scramble (" + std::to_string(reply->size()) + " bytes), expected 03 or 04");
    }
} catch (...) {  // nothing may unwind through Connector/C's C frames
    return fail(mysql, sha2_plugin::caching_sha2_password, "internal error in the authentication plugin");
}

// sha256_password has no fast path: the first response is already the full authentication (NOTES.md §2).
int sha256_authenticate(MYSQL_PLUGIN_VIO* vio, MYSQL* mysql) noexcept try {
    constexpr auto plugin = sha2_plugin::sha256_password;
    const std::string_view password = mysql->passwd ? mysql->passwd : "";
    const auto start = open_exchange(plugin, vio, mysql, password);
    if (start.done) return *start.done;
    return full_authentication(plugin, vio, mysql, password, start.nonce);
} catch (...) {
    return fail(mysql, sha2_plugin::sha256_password, "internal error in the authentication plugin");
}

// Not mysql_declare_client_plugin(): that defines the global symbol meant for a .so (NOTES.md §1).
st_mysql_client_plugin_AUTHENTICATION caching_sha2_plugin = {
    MYSQL_CLIENT_AUTHENTICATION_PLUGIN, MYSQL_CLIENT_AUTHENTICATION_PLUGIN_INTERFACE_VERSION,
    "caching_sha2_password", "mysql-agent", "caching_sha2_password client (OpenSSL, built in)", {1, 0, 0},
    "same as mysql-agent", nullptr, nullptr, nullptr, nullptr, caching_sha2_authenticate};

st_mysql_client_plugin_AUTHENTICATION sha256_plugin = {
    MYSQL_CLIENT_AUTHENTICATION_PLUGIN, MYSQL_CLIENT_AUTHENTICATION_PLUGIN_INTERFACE_VERSION,
    "sha256_password", "mysql-agent", "sha256_password client (OpenSSL, built in)", {1, 0, 0},
    "same as mysql-agent", nullptr, nullptr, nullptr, nullptr, sha256_authenticate};

void register_one(MYSQL* handle, st_mysql_client_plugin_AUTHENTICATION& plugin) {
    auto* mine = reinterpret_cast<st_mysql_client_plugin*>(&plugin);
    const st_mysql_client_plugin* got = mysql_client_register_plugin(handle, mine);
    if (got == mine) return;
    const std::string name = plugin.name;
    if (!got)
        throw mysql_error(::mysql_errno(handle), ::mysql_sqlstate(handle),
                          "registering the built-in " + name + " client plugin: " + ::mysql_error(handle));
    throw mysql_error(0, "", "registering the built-in " + name + " client plugin: another " + name +
                                 " plugin was loaded first (is LIBMYSQL_PLUGINS set?); unset it");
}

}  // namespace

sha2_key_policy_scope::sha2_key_policy_scope(const sha2_key_policy& policy) noexcept : previous_(current_policy) {
    current_policy = &policy;
}

sha2_key_policy_scope::~sha2_key_policy_scope() { current_policy = previous_; }

void register_sha2_auth_plugins() {
    static std::once_flag once;
    std::call_once(once, [] {
        const std::unique_ptr<MYSQL, decltype(&mysql_close)> handle(mysql_init(nullptr), &mysql_close);
        if (!handle) throw mysql_error(0, "", "registering the client authentication plugins: out of memory");
        register_one(handle.get(), caching_sha2_plugin);
        register_one(handle.get(), sha256_plugin);
    });
}

}  // namespace mysql_agent
