#include "mysql_agent/core/backup_layout.hpp"

#include <algorithm>
#include <array>

#include "mysql_agent/core/text.hpp"

// Layout sources: the files mariabackup writes (https://mariadb.com/kb/en/files-created-by-mariabackup/, and a
// real 10.11 stream listed in tests/fixtures), XtraBackup's (https://docs.percona.com/percona-xtrabackup/8.0/
// xtrabackup-files.html), the storage engines' file extensions (https://dev.mysql.com/doc/refman/8.0/en/
// innodb-file-per-table-tablespaces.html, MariaDB's Aria/MyISAM/CSV/Archive/Merge docs), and the DDL files of
// --lock-ddl=REDUCED / mariabackup's DDL tracking (.new .ren .del .crpt, prepare_handle_ren_files).

namespace mysql_agent {
namespace {

using text::ends_with_ci;
using text::iequals;
using text::printable;
using text::starts_with_ci;

constexpr std::size_t max_components = 2;

bool allowed_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || text::is_digit(c) || c == '_' || c == '$' ||
           c == '#' || c == '@' || c == '.' || c == '-';
}

std::vector<std::string_view> components(std::string_view path) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) return out;
        path.remove_prefix(slash + 1);
    }
}

bool all_digits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), text::is_digit); }

/// `name` is `prefix` followed by at least one digit and nothing else.
bool numbered(std::string_view name, std::string_view prefix) {
    return starts_with_ci(name, prefix) && all_digits(name.substr(prefix.size()));
}

bool is_shared_object(std::string_view name) {
    // libfoo.so, libfoo.so.1, libfoo.so.1.2
    const auto at = text::to_lower(name).find(".so");
    if (at == std::string::npos) return false;
    std::string_view rest = name.substr(at + 3);
    while (!rest.empty()) {
        if (rest.front() != '.') return false;
        rest.remove_prefix(1);
        const auto dot = rest.find('.');
        if (!all_digits(rest.substr(0, dot))) return false;
        rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot);
    }
    return true;
}

std::string_view extension(std::string_view name) {
    const auto dot = name.rfind('.');
    return dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
}

// Files of a table inside a database directory, by extension (case-insensitive: MyISAM and Aria write them in
// upper case, InnoDB in lower case).
constexpr std::array table_extensions = {
    "frm", "ibd", "ibu", "isl", "cfg", "cfp", "sdi",                    // InnoDB, MySQL 8 SDI
    "MYD", "MYI", "MAD", "MAI", "CSM", "CSV", "ARZ", "ARM", "MRG", "TMD",  // MyISAM, Aria, CSV, Archive, Merge
    "TRG", "TRN", "par", "opt",                                        // triggers, partitions, db.opt
    "new", "ren", "del", "crpt", "delta", "meta",                      // prepare-time DDL and incremental files
};

bool has_table_extension(std::string_view name) {
    const auto ext = extension(name);
    if (ext.empty() || ext.size() == name.size() - 1) return false;  // "x" or ".x"
    return std::any_of(table_extensions.begin(), table_extensions.end(),
                       [&](std::string_view e) { return iequals(ext, e); });
}

bool is_top_level_file(std::string_view name, const std::vector<std::string>& data_files) {
    if (std::find(data_files.begin(), data_files.end(), name) != data_files.end()) return true;
    constexpr std::array exact = {"backup-my.cnf", "ib_buffer_pool", "aria_log_control"};
    if (std::any_of(exact.begin(), exact.end(), [&](std::string_view e) { return name == e; })) return true;
    constexpr std::array prefixes = {"xtrabackup_", "mariadb_backup_", "xb_"};
    if (std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return starts_with_ci(name, p); }))
        return true;
    if (numbered(name, "ibdata") || numbered(name, "ib_logfile") || numbered(name, "undo") ||
        numbered(name, "undo_") || numbered(name, "aria_log."))
        return true;
    // General and undo tablespaces (mysql.ibd, undo_001.ibu, ts1.ibd) and their DDL/incremental companions.
    constexpr std::array tablespace_extensions = {"ibd", "ibu", "new", "ren", "del", "crpt", "delta", "meta"};
    const auto ext = extension(name);
    if (ext.size() < name.size() - 1 &&
        std::any_of(tablespace_extensions.begin(), tablespace_extensions.end(),
                    [&](std::string_view e) { return iequals(ext, e); }))
        return true;
    // XtraBackup 8 copies the binary log the coordinates point into, with its index.
    return !ext.empty() && ext.size() < name.size() - 1 && (all_digits(ext) || iequals(ext, "index"));
}

bool is_file_in_directory(std::string_view dir, std::string_view name) {
    if (iequals(dir, "#innodb_redo")) return starts_with_ci(name, "#ib_redo");  // MySQL 8.0.30+ redo files
    if (iequals(dir, "#rocksdb")) return true;  // MyRocks checkpoint: *.sst, MANIFEST-*, CURRENT, OPTIONS-*
    return has_table_extension(name);
}

// --- backup-my.cnf ---------------------------------------------------------------------------------------------

bool is_bool_value(std::string_view v) {
    constexpr std::array values = {"on", "off", "0", "1", "true", "false"};
    return std::any_of(values.begin(), values.end(), [&](std::string_view x) { return iequals(v, x); });
}

/// 12M, 100663296, 16k, 1G
bool is_size_value(std::string_view v) {
    if (!v.empty() && std::string_view("kKmMgG").find(v.back()) != std::string_view::npos) v.remove_suffix(1);
    return all_digits(v) && v.size() <= 20;
}

bool is_plain_file_name(std::string_view v) {
    return !v.empty() && v.front() != '.' && std::all_of(v.begin(), v.end(), allowed_char);
}

bool is_checksum_algorithm(std::string_view v) {
    if (starts_with_ci(v, "strict_")) v.remove_prefix(7);
    constexpr std::array values = {"crc32", "innodb", "none", "full_crc32"};
    return std::any_of(values.begin(), values.end(), [&](std::string_view x) { return iequals(v, x); });
}

bool is_this_directory(std::string_view v) { return v == "." || v == "./"; }

/// innodb_data_file_path = file_name:size[:autoextend[:max:size]][;...] (no raw devices, no paths).
/// https://dev.mysql.com/doc/refman/8.0/en/innodb-init-startup-configuration.html#innodb-startup-data-file-configuration
bool parse_data_file_path(std::string_view v, std::vector<std::string>& names) {
    if (v.empty()) return false;
    for (;;) {
        const auto semi = v.find(';');
        const auto spec = v.substr(0, semi);
        const auto parts = [&] {
            std::vector<std::string_view> out;
            std::string_view s = spec;
            for (auto colon = s.find(':'); colon != std::string_view::npos; colon = s.find(':')) {
                out.push_back(s.substr(0, colon));
                s.remove_prefix(colon + 1);
            }
            out.push_back(s);
            return out;
        }();
        if (parts.size() < 2 || !is_plain_file_name(parts[0]) || !is_size_value(parts[1])) return false;
        if (parts.size() > 2 && !iequals(parts[2], "autoextend")) return false;
        if (parts.size() > 3 && !(parts.size() == 5 && iequals(parts[3], "max") && is_size_value(parts[4])))
            return false;
        names.emplace_back(parts[0]);
        if (semi == std::string_view::npos) return true;
        v.remove_prefix(semi + 1);
    }
}

enum class value_kind { number, size, boolean, checksum, data_file_path, this_directory, file_name, uuid };

struct cnf_key {
    std::string_view name;
    value_kind kind;
};

constexpr std::array allowed_keys = {
    cnf_key{"innodb_checksum_algorithm", value_kind::checksum},
    cnf_key{"innodb_data_file_path", value_kind::data_file_path},
    cnf_key{"innodb_page_size", value_kind::size},
    cnf_key{"innodb_log_file_size", value_kind::size},
    cnf_key{"innodb_redo_log_capacity", value_kind::size},
    cnf_key{"innodb_log_block_size", value_kind::size},
    cnf_key{"innodb_log_files_in_group", value_kind::number},
    cnf_key{"innodb_undo_tablespaces", value_kind::number},
    cnf_key{"innodb_compression_level", value_kind::number},
    cnf_key{"server_id", value_kind::number},
    cnf_key{"master_key_id", value_kind::number},
    cnf_key{"innodb_log_checksums", value_kind::boolean},
    cnf_key{"innodb_fast_checksum", value_kind::boolean},
    cnf_key{"innodb_encrypt_log", value_kind::boolean},
    cnf_key{"innodb_redo_log_encrypt", value_kind::boolean},
    cnf_key{"innodb_undo_log_encrypt", value_kind::boolean},
    cnf_key{"innodb_undo_directory", value_kind::this_directory},
    cnf_key{"innodb_log_group_home_dir", value_kind::this_directory},
    cnf_key{"innodb_data_home_dir", value_kind::this_directory},
    cnf_key{"innodb_buffer_pool_filename", value_kind::file_name},
    cnf_key{"server_uuid", value_kind::uuid},
};

bool value_fits(value_kind kind, std::string_view v, std::vector<std::string>& data_files) {
    switch (kind) {
        case value_kind::number: return all_digits(v) && v.size() <= 20;
        case value_kind::size: return is_size_value(v);
        case value_kind::boolean: return is_bool_value(v);
        case value_kind::checksum: return is_checksum_algorithm(v);
        case value_kind::data_file_path: return parse_data_file_path(v, data_files);
        case value_kind::this_directory: return is_this_directory(v);
        case value_kind::file_name: return is_plain_file_name(v);
        case value_kind::uuid:
            return !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char c) {
                return text::is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
            });
    }
    return false;
}

std::string normalized_key(std::string_view key) {
    std::string k = text::to_lower(text::trim(key));
    std::replace(k.begin(), k.end(), '-', '_');
    if (k.rfind("loose_", 0) == 0) k.erase(0, 6);
    return k;
}

/// Option-file values may be quoted ("./", '12M'); the tools never need anything a quote would protect.
std::string_view unquoted(std::string_view v) {
    v = text::trim(v);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        v = v.substr(1, v.size() - 2);
    return v;
}

}  // namespace

status check_stream_path(std::string_view path) {
    const auto refuse = [&](std::string_view why) {
        return error{"the path '" + printable(path) + "' " + std::string(why)};
    };
    if (path.empty()) return refuse("is empty");
    if (path.front() == '/') return refuse("is absolute");
    const auto bad = std::find_if(path.begin(), path.end(), [](char c) { return c != '/' && !allowed_char(c); });
    if (bad != path.end())
        return refuse("has the character '" + printable(std::string_view(&*bad, 1)) +
                      "' (table files use [A-Za-z0-9_$#@.-] only)");
    const auto parts = components(path);
    for (const auto part : parts) {
        if (part.empty()) return refuse("has an empty component");
        if (part == "." || part == "..") return refuse("has a '" + std::string(part) + "' component");
        if (part.front() == '.') return refuse("has a component that starts with '.' (hidden or reserved)");
    }
    if (parts.size() > max_components) return refuse("is more than two levels deep");
    if (is_shared_object(parts.back())) return refuse("is a shared object");
    return ok();
}

result<layout_action> check_layout_entry(const layout_entry& entry, const std::vector<std::string>& data_files) {
    if (auto s = check_stream_path(entry.path); !s) return s.err();
    const auto parts = components(entry.path);
    const auto refuse = [&](std::string_view why) {
        return error{"'" + printable(entry.path) + "' " + std::string(why)};
    };
    if (entry.directory) {
        if (parts.size() == 1) return layout_action::keep;
        return refuse("is a directory inside a database directory, which no backup tool writes");
    }
    if (parts.size() == 1) {
        if (parts[0] == "auto.cnf" || parts[0] == "mysqld-auto.cnf") return layout_action::drop;
        if (is_top_level_file(parts[0], data_files)) return layout_action::keep;
        return refuse("is not a file a backup tool writes at the top of a backup");
    }
    if (is_file_in_directory(parts[0], parts[1])) return layout_action::keep;
    return refuse("is not a table file a backup tool writes (unknown extension)");
}

bool is_page_file(std::string_view path) {
    const auto name = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
    return ends_with_ci(name, ".ibd") || ends_with_ci(name, ".ibu") || numbered(name, "ibdata") ||
           numbered(name, "undo") || numbered(name, "undo_") || numbered(name, "ib_logfile") ||
           starts_with_ci(name, "#ib_redo") || ends_with_ci(name, ".new") || ends_with_ci(name, ".delta");
}

status check_rename_target(std::string_view content) {
    const auto target = text::trim(content);
    if (auto s = check_stream_path(target); !s) return error{"the rename target: " + s.message()};
    if (components(target).size() != 2)
        return error{"the rename target '" + printable(target) + "' is not <database>/<table>"};
    return ok();
}

result<rebuilt_cnf> rebuild_backup_my_cnf(std::string_view content) {
    rebuilt_cnf out;
    out.content = "# Rebuilt by mysql-agent from the donor's backup-my.cnf: only the InnoDB layout keys --prepare "
                  "needs (README \"Threat model\").\n[mysqld]\n";
    bool in_mysqld = false;
    std::size_t line_no = 0;
    for (const auto raw : text::lines(content)) {
        ++line_no;
        const auto line = text::trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '!') {  // !include FILE, !includedir DIR: would read files the donor names
            out.dropped.emplace_back(line.substr(0, line.find_first_of(" \t")));
            continue;
        }
        if (line.front() == '[') {
            in_mysqld = iequals(text::trim(line.substr(1, line.find(']') - 1)), "mysqld");
            if (!in_mysqld) out.dropped.emplace_back(line);
            continue;
        }
        const auto eq = line.find('=');
        const std::string key = normalized_key(line.substr(0, eq));
        const std::string_view value = eq == std::string_view::npos ? std::string_view() : unquoted(line.substr(eq + 1));
        const auto known = std::find_if(allowed_keys.begin(), allowed_keys.end(),
                                        [&](const cnf_key& k) { return k.name == key; });
        if (!in_mysqld || known == allowed_keys.end()) {
            if (in_mysqld) out.dropped.push_back(printable(key));
            continue;
        }
        if (!value_fits(known->kind, value, out.data_files))
            return error{"backup-my.cnf line " + std::to_string(line_no) + ": " + std::string(known->name) + " = '" +
                         printable(value) + "' is not a value a backup tool writes"};
        out.content += std::string(known->name) + "=" +
                       (known->kind == value_kind::this_directory ? std::string("./") : std::string(value)) + "\n";
    }
    return out;
}

}  // namespace mysql_agent
