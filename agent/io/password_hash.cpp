#include "mysql_agent/io/password_hash.hpp"

#include "mysql_agent/core/errors.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace mysql_agent {
namespace {

constexpr std::size_t caching_sha2_salt_length = 20;

// libcrypto failed (out of memory, a broken provider): not the input's fault, nothing the operator can fix here.
agent_error crypto_error(const std::string& message) { return agent_error(exit_code::internal, message); }
constexpr std::string_view crypt_alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// One EVP digest context, reused: init(), update()..., finish().
class digest {
public:
    explicit digest(const EVP_MD* md) : md_(md), ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
        if (!ctx_) throw crypto_error("password hash: EVP_MD_CTX_new failed");
        init();
    }
    digest& init() {
        if (EVP_DigestInit_ex(ctx_.get(), md_, nullptr) != 1) throw crypto_error("password hash: EVP_DigestInit_ex failed");
        return *this;
    }
    digest& update(std::string_view data) {
        if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1)
            throw crypto_error("password hash: EVP_DigestUpdate failed");
        return *this;
    }
    std::string finish() {
        std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
        unsigned int length = 0;
        if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &length) != 1)
            throw crypto_error("password hash: EVP_DigestFinal_ex failed");
        return std::string(reinterpret_cast<const char*>(out.data()), length);
    }

private:
    const EVP_MD* md_;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

std::string sha256(std::string_view data) { return digest(EVP_sha256()).update(data).finish(); }

// `d` repeated and cut to `length` bytes (SHA-crypt steps 16 and 20).
std::string repeated_to(const std::string& d, std::size_t length) {
    std::string out;
    out.reserve(length);
    while (out.size() < length) out.append(d, 0, std::min(d.size(), length - out.size()));
    return out;
}

std::string repeated(std::string_view s, std::size_t times) {
    std::string out;
    out.reserve(s.size() * times);
    for (std::size_t i = 0; i < times; ++i) out.append(s);
    return out;
}

// crypt's base64 of one 24-bit group, low 6 bits first.
void b64_from_24bit(std::string& out, unsigned char b2, unsigned char b1, unsigned char b0, int n) {
    unsigned w = (unsigned{b2} << 16) | (unsigned{b1} << 8) | b0;
    for (int i = 0; i < n; ++i) {
        out.push_back(crypt_alphabet[w & 0x3f]);
        w >>= 6;
    }
}

// The 43 characters after the last '$' of SHA-256-crypt(password, salt, rounds), the salt used in full.
// Steps as numbered in https://www.akkadia.org/drepper/SHA-crypt.txt.
std::string sha256_crypt_digest(std::string_view password, std::string_view salt, unsigned rounds) {
    const std::string b = digest(EVP_sha256()).update(password).update(salt).update(password).finish();  // 4-8
    digest a(EVP_sha256());
    a.update(password).update(salt);  // 1-3
    std::size_t n = password.size();
    for (; n > 32; n -= 32) a.update(b);  // 9-10
    a.update(std::string_view(b).substr(0, n));
    for (std::size_t i = password.size(); i > 0; i >>= 1) a.update((i & 1) ? std::string_view(b) : password);  // 11
    const std::string a_digest = a.finish();  // 12
    const std::string p = repeated_to(sha256(repeated(password, password.size())), password.size());  // 13-16
    const std::string s = repeated_to(
        sha256(repeated(salt, 16 + static_cast<unsigned char>(a_digest[0]))), salt.size());  // 17-20
    std::string c = a_digest;
    digest round(EVP_sha256());
    for (unsigned i = 0; i < rounds; ++i) {  // 21
        round.init();
        round.update((i & 1) ? std::string_view(p) : std::string_view(c));
        if (i % 3) round.update(s);
        if (i % 7) round.update(p);
        round.update((i & 1) ? std::string_view(c) : std::string_view(p));
        c = round.finish();
    }
    const auto byte = [&](int i) { return static_cast<unsigned char>(c[static_cast<std::size_t>(i)]); };
    // Step 22: crypt's byte permutation for SHA-256, 10 groups of 3 bytes, then 2.
    static constexpr int groups[10][3] = {{0, 10, 20},  {21, 1, 11},  {12, 22, 2}, {3, 13, 23}, {24, 4, 14},
                                          {15, 25, 5},  {6, 16, 26},  {27, 7, 17}, {18, 28, 8}, {9, 19, 29}};
    std::string out;
    for (const auto& g : groups) b64_from_24bit(out, byte(g[0]), byte(g[1]), byte(g[2]), 4);
    b64_from_24bit(out, 0, byte(31), byte(30), 3);
    return out;
}

}  // namespace

std::string native_password_hash(std::string_view password) {
    const std::string stage1 = digest(EVP_sha1()).update(password).finish();
    const std::string stage2 = digest(EVP_sha1()).update(stage1).finish();
    std::string out = "*";
    char hex[3];
    for (const unsigned char ch : stage2) {
        std::snprintf(hex, sizeof hex, "%02X", ch);
        out += hex;
    }
    return out;
}

std::string caching_sha2_auth_string(std::string_view password, std::string_view salt, unsigned rounds) {
    if (salt.size() != caching_sha2_salt_length)
        throw std::invalid_argument("caching_sha2_password salt must be 20 bytes, not " + std::to_string(salt.size()));
    for (const char ch : salt) {
        const auto u = static_cast<unsigned char>(ch);
        if (u == 0 || u == '$' || u > 0x7f)
            throw std::invalid_argument("caching_sha2_password salt bytes must be 0x01..0x7f and not '$'");
    }
    if (rounds % 1000 != 0 || rounds < 1000 || rounds / 1000 > 0xfff)
        throw std::invalid_argument("caching_sha2_password rounds must be a multiple of 1000 in 1000..4095000, not " +
                                    std::to_string(rounds));
    char head[8];
    std::snprintf(head, sizeof head, "$A$%03X$", rounds / 1000);
    return std::string(head) + std::string(salt) + sha256_crypt_digest(password, salt, rounds);
}

std::string random_caching_sha2_salt() {
    std::array<unsigned char, caching_sha2_salt_length> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
        throw crypto_error("password hash: RAND_bytes failed to make a caching_sha2_password salt");
    std::string salt;
    for (const unsigned char r : random) salt.push_back(crypt_alphabet[r & 0x3f]);  // 64 letters: uniform
    return salt;
}

}  // namespace mysql_agent
