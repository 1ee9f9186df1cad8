#include "mysql_agent/io/tls_context.hpp"

#include <sys/stat.h>

#include <ctime>
#include <functional>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/deadline.hpp"

namespace mysql_agent {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;

/// Runs `load`, turning OpenSSL's failure into a config_error that names the flag and the file.
void load_file(const std::string& flag, const fs::path& path, const std::function<void()>& load) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw config_error(flag + " " + path.string() + ": no such file (is the TLS Secret mounted?)");
    try {
        load();
    } catch (const boost::system::system_error& e) {
        throw config_error(flag + " " + path.string() + ": cannot load it: " + e.code().message());
    }
}

void require_tls12(ssl::context& ctx) {
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
}

std::shared_ptr<ssl::context> build_server_context(const tls_server_files& f) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    require_tls12(*ctx);
    load_file("--tls-cert", f.cert, [&] { ctx->use_certificate_chain_file(f.cert.string()); });
    load_file("--tls-key", f.key, [&] { ctx->use_private_key_file(f.key.string(), ssl::context::pem); });
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        throw config_error("--tls-key " + f.key.string() + " does not belong to the certificate in --tls-cert " +
                           f.cert.string());
    if (f.client_ca) {
        load_file("--tls-client-ca", *f.client_ca, [&] { ctx->load_verify_file(f.client_ca->string()); });
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(f.client_ca->c_str()))
            SSL_CTX_set_client_CA_list(ctx->native_handle(), names);
        // Asked for, not required, at the handshake: /healthz, /readyz and /metrics serve clients without one.
        ctx->set_verify_mode(ssl::verify_peer);
    }
    // TLS 1.3: AES-128-GCM first, and the server's order over the client's. The backup stream is most of what
    // crosses the port, and AES-128-GCM is a quarter faster than OpenSSL's default first choice, AES-256-GCM
    // (`openssl speed -evp`: 3.7 against 2.9 GB/s here); both are TLS 1.3's own suites (RFC 8446, 9.1).
    SSL_CTX_set_ciphersuites(ctx->native_handle(), "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
    SSL_CTX_set_options(ctx->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE);
    static constexpr unsigned char session_context[] = "mysql-agent";
    SSL_CTX_set_session_id_context(ctx->native_handle(), session_context, sizeof session_context - 1);
    return ctx;
}

std::string bio_text(const std::function<void(BIO*)>& print) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (!bio) return {};
    print(bio);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string s(data, n > 0 ? static_cast<std::size_t>(n) : 0);
    BIO_free(bio);
    return s;
}

std::string subject_of(X509* cert) {
    return bio_text([&](BIO* b) { X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253); });
}

std::string time_text(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

/// The certificate's subjectAltNames: DNS names and IP addresses (canonical text).
void alt_names_of(X509* cert, std::vector<std::string>& dns, std::vector<std::string>& ips) {
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
        if (gn->type == GEN_DNS) {
            const auto* s = gn->d.dNSName;
            dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                             static_cast<std::size_t>(ASN1_STRING_length(s)));
        } else if (gn->type == GEN_IPADD) {
            const auto* s = gn->d.iPAddress;
            const unsigned char* p = ASN1_STRING_get0_data(s);
            if (ASN1_STRING_length(s) == 4) {
                asio::ip::address_v4::bytes_type b;
                std::copy(p, p + 4, b.begin());
                ips.push_back(asio::ip::address_v4(b).to_string());
            } else if (ASN1_STRING_length(s) == 16) {
                asio::ip::address_v6::bytes_type b;
                std::copy(p, p + 16, b.begin());
                ips.push_back(asio::ip::address_v6(b).to_string());
            }
        }
    }
    GENERAL_NAMES_free(names);
}

std::string joined(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::string s;
    for (const auto* v : {&a, &b})
        for (const auto& x : *v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

tls_failure_kind kind_of(int x509_error) {
    switch (x509_error) {
        case X509_V_ERR_CERT_HAS_EXPIRED: return tls_failure_kind::expired;
        case X509_V_ERR_CERT_NOT_YET_VALID: return tls_failure_kind::not_yet_valid;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH: return tls_failure_kind::name_mismatch;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_CERT_SIGNATURE_FAILURE: return tls_failure_kind::untrusted;
        default: return tls_failure_kind::other_verification;
    }
}

/// The facts of `cert` failing with `x509_error`.
tls_failure_facts failure_of(const tls_peer_check& check, X509* cert, int x509_error) {
    tls_failure_facts f;
    f.kind = kind_of(x509_error);
    f.checked_name = check.host;
    f.name_from_flag = check.name_from_flag;
    f.ca_file = check.ca_file;
    f.detail = X509_verify_cert_error_string(x509_error);
    if (cert) {
        f.subject = subject_of(cert);
        std::vector<std::string> dns, ips;
        alt_names_of(cert, dns, ips);
        f.cert_names = joined(dns, ips);
        f.not_before = time_text(X509_get0_notBefore(cert));
        f.not_after = time_text(X509_get0_notAfter(cert));
    }
    return f;
}

/// The ex_data slot of an SSL that holds its tls_peer_check.
int peer_check_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

/// OpenSSL's verify callback for a donor's chain, once per certificate (`preverified`: OpenSSL's own verdict);
/// what it sees is recorded in the connection's tls_peer_check.
int verify_donor(int preverified, X509_STORE_CTX* sc) {
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(sc, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto& check = *static_cast<tls_peer_check*>(SSL_get_ex_data(ssl, peer_check_index()));
    X509* cert = X509_STORE_CTX_get_current_cert(sc);
    if (!preverified) {
        if (!check.failure) check.failure = failure_of(check, cert, X509_STORE_CTX_get_error(sc));
        return 0;
    }
    if (X509_STORE_CTX_get_error_depth(sc) != 0) return 1;
    // The chain is trusted: now the name (tls_diagnosis.hpp says why not OpenSSL's X509_check_host).
    std::vector<std::string> dns, ips;
    alt_names_of(cert, dns, ips);
    std::string host = check.host;
    boost::system::error_code not_ip;
    if (auto a = asio::ip::make_address(host, not_ip); !not_ip) host = a.to_string();
    if (certificate_names_host(host, dns, ips)) return 1;
    X509_STORE_CTX_set_error(sc, X509_V_ERR_HOSTNAME_MISMATCH);
    if (!check.failure) check.failure = failure_of(check, cert, X509_V_ERR_HOSTNAME_MISMATCH);
    return 0;
}

/// OpenSSL's reason for a failed handshake, as our kinds.
tls_failure_kind kind_of_handshake_error(const boost::system::error_code& ec) {
    if (ec.category() != asio::error::get_ssl_category()) return tls_failure_kind::handshake;
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_PACKET_LENGTH_TOO_LONG:
        case SSL_R_HTTP_REQUEST:
        case SSL_R_UNEXPECTED_EOF_WHILE_READING: return tls_failure_kind::not_tls;
        case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
        case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
        case SSL_R_TLSV1_ALERT_ACCESS_DENIED: return tls_failure_kind::client_cert_refused;
        case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED: return tls_failure_kind::client_cert_expired;
        default: return tls_failure_kind::handshake;
    }
}

}  // namespace

server_tls::server_tls(tls_server_files files) : files_(std::move(files)) {
    context_ = build_server_context(files_);
    loaded_ = identify();
    checked_ = std::chrono::steady_clock::now();
}

std::vector<server_tls::file_identity> server_tls::identify() const {
    std::vector<file_identity> ids;
    std::vector<const fs::path*> paths = {&files_.cert, &files_.key};
    if (files_.client_ca) paths.push_back(&*files_.client_ca);
    for (const auto* p : paths) {
        struct ::stat st{};
        file_identity id;
        if (::stat(p->c_str(), &st) == 0) {
            id.inode = st.st_ino;
            id.size = static_cast<unsigned long long>(st.st_size);
            id.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
        }
        ids.push_back(id);
    }
    return ids;
}

std::shared_ptr<ssl::context> server_tls::current() {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now - checked_ < std::chrono::seconds(1)) return context_;
    checked_ = now;
    const auto ids = identify();
    if (ids == loaded_ || ids == refused_) return context_;
    try {
        context_ = build_server_context(files_);
        loaded_ = ids;
        refused_.clear();
        spdlog::info("TLS certificate reloaded from {}: {}", files_.cert.string(), certificate_file_summary(files_.cert));
    } catch (const config_error& e) {
        refused_ = ids;
        spdlog::warn("TLS files changed but do not load ({}); new connections keep the previous certificate", e.what());
    }
    return context_;
}

std::shared_ptr<ssl::context> client_tls_context(const tls_client_settings& s) {
    if (s.cert.has_value() != s.key.has_value())
        throw config_error("--tls-cert and --tls-key go together: pass both (a client certificate) or neither");
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    require_tls12(*ctx);
    load_file("--tls-ca", s.ca, [&] { ctx->load_verify_file(s.ca.string()); });
    if (s.cert) {
        load_file("--tls-cert", *s.cert, [&] { ctx->use_certificate_chain_file(s.cert->string()); });
        load_file("--tls-key", *s.key, [&] { ctx->use_private_key_file(s.key->string(), ssl::context::pem); });
        if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
            throw config_error("--tls-key " + s.key->string() + " does not belong to the certificate in --tls-cert " +
                               s.cert->string());
    }
    ctx->set_verify_mode(ssl::verify_peer);
    return ctx;
}

void begin_client_tls(net_stream& net, const tls_client_settings& settings, const std::string& host,
                      tls_peer_check& check) {
    check.host = settings.server_name.value_or(host);
    check.name_from_flag = settings.server_name.has_value();
    check.ca_file = settings.ca.string();
    net.start_tls(client_tls_context(settings), tls_stream::role::client);
    if (settings.cert)
        check.client_cert = "--tls-cert " + settings.cert->string() + " (" + certificate_file_summary(*settings.cert) + ")";
    SSL* ssl = net.tls()->native_handle();
    boost::system::error_code ec;
    asio::ip::make_address(check.host, ec);
    if (ec) SSL_set_tlsext_host_name(ssl, check.host.c_str());  // SNI takes names only
    SSL_set_ex_data(ssl, peer_check_index(), &check);
    SSL_set_verify(ssl, SSL_VERIFY_PEER, verify_donor);
}


tls_failure_facts client_handshake_failure(const tls_peer_check& check, const boost::system::error_code& ec,
                                           const std::string& peer) {
    tls_failure_facts f;
    if (check.failure) {
        f = *check.failure;
    } else {
        f.kind = kind_of_handshake_error(ec);
        f.checked_name = check.host;
        f.name_from_flag = check.name_from_flag;
        f.ca_file = check.ca_file;
        f.detail = ec.message();
    }
    f.peer = peer;
    f.client_cert = check.client_cert;
    return f;
}

bool is_tls_failure(const boost::system::error_code& ec) {
    return ec && ec.category() == asio::error::get_ssl_category();
}

asio::awaitable<std::optional<boost::system::error_code>> peer_alert(net_stream& stream,
                                                                    std::chrono::steady_clock::time_point by) {
    if (!stream.tls()) co_return std::nullopt;
    // What the socket still holds comes before its reset (Linux reads queued bytes first); OpenSSL turns an
    // alert among them into its error.
    char byte = 0;
    const auto got = co_await before(stream.tls()->async_read_some(asio::buffer(&byte, 1), nothrow_awaitable), by);
    if (!got) co_return std::nullopt;
    if (const auto [ec, n] = *got; is_tls_failure(ec)) co_return ec;
    co_return std::nullopt;
}

bool has_verified_client_certificate(tls_stream& stream) {
    SSL* s = stream.native_handle();
    return SSL_get0_peer_certificate(s) != nullptr && SSL_get_verify_result(s) == X509_V_OK;
}

std::string certificate_file_summary(const fs::path& pem) {
    FILE* f = std::fopen(pem.c_str(), "r");
    if (!f) return "unreadable";
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!cert) return "no PEM certificate";
    std::vector<std::string> dns, ips;
    alt_names_of(cert, dns, ips);
    const std::string s = subject_of(cert) + ", names " + (dns.empty() && ips.empty() ? "none" : joined(dns, ips)) +
                          ", valid until " + time_text(X509_get0_notAfter(cert));
    X509_free(cert);
    return s;
}

}  // namespace mysql_agent
