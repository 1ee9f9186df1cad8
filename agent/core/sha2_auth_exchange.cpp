#include "mysql_agent/core/sha2_auth_exchange.hpp"

namespace mysql_agent {

result<std::string> nonce_from_auth_data(std::string_view data) {
    if (data.size() == sha2_nonce_length + 1 && data.back() == '\0') data.remove_suffix(1);
    if (data.size() != sha2_nonce_length)
        return error{"the server's authentication data is " + std::to_string(data.size()) +
                     " bytes, not a 20-byte nonce (+ NUL): is this a MySQL server speaking caching_sha2_password?"};
    return std::string(data);
}

sha2_reply classify_sha2_reply(std::string_view reply) {
    // sql/auth/sha2_password.cc: fast_auth_success = '\3', perform_full_authentication = '\4'.
    if (reply == std::string_view("\x03", 1)) return sha2_reply::fast_auth_success;
    if (reply == std::string_view("\x04", 1)) return sha2_reply::perform_full_authentication;
    if (reply.starts_with("-----BEGIN ")) return sha2_reply::public_key;
    return sha2_reply::unexpected;
}

full_auth_step choose_full_auth(const full_auth_facts& f) {
    if (f.tls_active) return full_auth_step::send_clear_password;
    if (f.unix_socket && f.plugin == sha2_plugin::caching_sha2_password) return full_auth_step::send_clear_password;
    if (f.pinned_key) return full_auth_step::encrypt_with_pinned_key;
    if (f.may_request_key || f.unix_socket) return full_auth_step::request_public_key;
    return full_auth_step::refuse;
}

std::string full_auth_refusal_message() {
    return "the server asks for a full authentication (no cached entry for the account) over plain TCP, and the "
           "password is not sent under an RSA key the server itself sends unverified (a man in the middle could "
           "send his own): configure --replication-tls-ca (TLS verified against the cluster CA), "
           "--replication-server-public-key FILE (the primary's RSA public key, pinned) or --get-server-public-key "
           "(trust the key the server sends)";
}

std::uint8_t public_key_request_byte(sha2_plugin plugin) {
    return plugin == sha2_plugin::caching_sha2_password ? 0x02 : 0x01;
}

std::string xor_password_with_nonce(std::string_view password, std::string_view nonce) {
    std::string out(password);
    out.push_back('\0');
    if (nonce.empty()) return out;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(out[i] ^ nonce[i % nonce.size()]);
    return out;
}

std::string xor_bytes(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return {};
    std::string out(a);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(out[i] ^ b[i]);
    return out;
}

status check_sha2_password_length(std::size_t password_length, std::size_t rsa_key_bytes) {
    if (password_length > sha2_max_password_length)
        return error{"the password is " + std::to_string(password_length) +
                     " bytes; MySQL takes at most 256 for caching_sha2_password and sha256_password"};
    // RSA-OAEP with SHA-1 carries at most k - 2*20 - 2 bytes; the password travels with its NUL.
    constexpr std::size_t oaep_overhead = 2 * 20 + 2;
    if (rsa_key_bytes != 0 && password_length + 1 + oaep_overhead > rsa_key_bytes)
        return error{"the password is " + std::to_string(password_length) + " bytes, too long for the server's " +
                     std::to_string(rsa_key_bytes * 8) + "-bit RSA key (at most " +
                     std::to_string(rsa_key_bytes > oaep_overhead + 1 ? rsa_key_bytes - oaep_overhead - 1 : 0) +
                     "); use TLS or the unix socket, or a shorter password"};
    return ok();
}

}  // namespace mysql_agent
