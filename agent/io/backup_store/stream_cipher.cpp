#include "mysql_agent/io/backup_store/stream_cipher.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/secret_file.hpp"

namespace mysql_agent::backup_store {
namespace {

void wipe(std::string& s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

/// The per-backup key: encryption.hpp says why.
std::string data_key(const encryption_key& key, std::string_view salt) {
    return hmac_sha256(key.bytes(), std::string(data_key_label) + std::string(salt));
}

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

encryption_key encryption_key::from_file(const std::filesystem::path& path, std::string_view flag) {
    std::string content = read_secret_bytes(path, flag);
    auto key = parse_key_file(content);
    wipe(content);
    if (!key) throw config_error(std::string(flag) + " " + path.string() + ": " + key.message());
    return encryption_key(std::move(*key));
}

encryption_key::encryption_key(std::string raw) : raw_(std::move(raw)) {
    if (raw_.size() != encryption_key_bytes) throw std::logic_error("encryption_key: not 32 bytes");
}

encryption_key::~encryption_key() { wipe(raw_); }

std::string encryption_key::id() const { return text::to_hex(hmac_sha256(raw_, key_id_label).substr(0, 8)); }

/// An AES-256-GCM context keyed once with the backup's data key; each segment sets only its nonce.
struct stream_encryptor::context {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    ~context() { EVP_CIPHER_CTX_free(ctx); }
};

struct stream_decryptor::context {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    ~context() { EVP_CIPHER_CTX_free(ctx); }
};

stream_encryptor::stream_encryptor(const encryption_key& key, std::uint32_t segment_bytes)
    : ctx_(std::make_unique<context>()), segment_bytes_(segment_bytes) {
    if (!ctx_->ctx) throw std::runtime_error("libcrypto: EVP_CIPHER_CTX_new failed");
    encryption_header h;
    h.segment_bytes = segment_bytes;
    h.salt.resize(encryption_salt_bytes);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(h.salt.data()), static_cast<int>(h.salt.size())) != 1)
        throw std::runtime_error("libcrypto: no random bytes for the backup's salt");
    header_ = encode_encryption_header(h);
    std::string k = data_key(key, h.salt);
    const bool ok = EVP_EncryptInit_ex(ctx_->ctx, EVP_aes_256_gcm(), nullptr, bytes_of(k), nullptr) == 1;
    wipe(k);
    if (!ok) throw std::runtime_error("libcrypto: AES-256-GCM would not start");
    plain_.reserve(segment_bytes_);
}

stream_encryptor::~stream_encryptor() { wipe(plain_); }

void stream_encryptor::seal(bool last, const cipher_sink& out) {
    if (!header_sent_) {
        out(header_);
        header_sent_ = true;
    }
    const std::string nonce = segment_nonce(index_++, last);
    sealed_.resize(plain_.size() + encryption_tag_bytes);
    auto* c = ctx_->ctx;
    int n = 0, tail = 0;
    auto* dst = reinterpret_cast<unsigned char*>(sealed_.data());
    if (EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, bytes_of(nonce)) != 1 ||
        EVP_EncryptUpdate(c, nullptr, &n, bytes_of(header_), static_cast<int>(header_.size())) != 1 ||
        EVP_EncryptUpdate(c, dst, &n, bytes_of(plain_), static_cast<int>(plain_.size())) != 1 ||
        EVP_EncryptFinal_ex(c, dst + n, &tail) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, static_cast<int>(encryption_tag_bytes), dst + plain_.size()) != 1)
        throw std::runtime_error("libcrypto: AES-256-GCM failed to seal a segment");
    wipe(plain_);
    plain_.clear();
    out(sealed_);
}

void stream_encryptor::write(std::span<const char> plain, const cipher_sink& out) {
    while (!plain.empty()) {
        // A full segment is sealed only once more plaintext follows it: the last one is sealed as last by finish().
        if (plain_.size() == segment_bytes_) seal(false, out);
        const std::size_t take = std::min<std::size_t>(plain.size(), segment_bytes_ - plain_.size());
        plain_.append(plain.data(), take);
        plain = plain.subspan(take);
    }
}

void stream_encryptor::finish(const cipher_sink& out) { seal(true, out); }

stream_decryptor::stream_decryptor(const encryption_key& key, std::uint32_t segment_bytes)
    : ctx_(std::make_unique<context>()), segment_bytes_(segment_bytes) {
    if (!ctx_->ctx) throw std::runtime_error("libcrypto: EVP_CIPHER_CTX_new failed");
    key_ = std::string(key.bytes());  // the data key is derived when the header (its salt) has arrived
}

stream_decryptor::~stream_decryptor() {
    wipe(key_);
    wipe(plain_);
}

status stream_decryptor::open(std::size_t length, bool last, const cipher_sink& out) {
    if (length < encryption_tag_bytes)
        return error{"its last encrypted segment is shorter than a tag (the stream was cut)"};
    const std::size_t text_length = length - encryption_tag_bytes;
    const std::string nonce = segment_nonce(index_, last);
    const auto* src = bytes_of(std::string_view(held_).substr(held_from_, length));
    plain_.resize(text_length);
    auto* c = ctx_->ctx;
    int n = 0, tail = 0;
    std::string tag(reinterpret_cast<const char*>(src) + text_length, encryption_tag_bytes);
    const bool opened =
        EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, bytes_of(nonce)) == 1 &&
        EVP_DecryptUpdate(c, nullptr, &n, bytes_of(header_), static_cast<int>(header_.size())) == 1 &&
        EVP_DecryptUpdate(c, reinterpret_cast<unsigned char*>(plain_.data()), &n, src, static_cast<int>(text_length)) ==
            1 &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, static_cast<int>(encryption_tag_bytes), tag.data()) == 1 &&
        EVP_DecryptFinal_ex(c, reinterpret_cast<unsigned char*>(plain_.data()) + n, &tail) == 1;
    if (!opened) {
        wipe(plain_);
        failed_ = true;
        return error{"its encrypted segment " + std::to_string(index_ + 1) +
                     (last ? " (the last)" : "") +
                     " does not authenticate: altered, moved, or cut short (or the key differs)"};
    }
    ++index_;
    held_from_ += length;
    out(plain_);
    return ok();
}

status stream_decryptor::feed(std::span<const char> sealed, const cipher_sink& out) {
    if (failed_) return error{"the encrypted stream already failed"};
    // Compact what was opened, then hold the new bytes.
    if (held_from_ > 0) {
        held_.erase(0, held_from_);
        held_from_ = 0;
    }
    held_.append(sealed.data(), sealed.size());
    if (header_.empty()) {
        if (held_.size() < encryption_header_bytes) return ok();
        const auto h = parse_encryption_header(std::string_view(held_).substr(0, encryption_header_bytes));
        if (!h || h->segment_bytes != segment_bytes_) {
            failed_ = true;  // nothing more is held or opened after a header refused
            held_.clear();
            if (!h) return error{h.message()};
            return error{"its encryption header says segments of " + std::to_string(h->segment_bytes) +
                         " bytes, its manifest " + std::to_string(segment_bytes_)};
        }
        std::string k = data_key(encryption_key(key_), h->salt);
        wipe(key_);
        header_ = held_.substr(0, encryption_header_bytes);
        held_from_ = encryption_header_bytes;
        const bool ok_init = EVP_DecryptInit_ex(ctx_->ctx, EVP_aes_256_gcm(), nullptr, bytes_of(k), nullptr) == 1;
        wipe(k);
        if (!ok_init) throw std::runtime_error("libcrypto: AES-256-GCM would not start");
    }
    if (header_.empty()) return ok();
    const std::size_t whole = static_cast<std::size_t>(segment_bytes_) + encryption_tag_bytes;
    // A full segment opens as not-last only once a byte after it has arrived.
    while (held_.size() - held_from_ > whole)
        if (auto opened = open(whole, false, out); !opened) return opened;
    return ok();
}

status stream_decryptor::finish(const cipher_sink& out) {
    if (failed_) return error{"the encrypted stream already failed"};
    if (header_.empty()) return error{"it is shorter than its encryption header"};
    return open(held_.size() - held_from_, true, out);
}

}  // namespace mysql_agent::backup_store
