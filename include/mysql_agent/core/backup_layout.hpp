#pragma once
// What a donor's backup may contain, decided by name and by the text of its two control files. The receiving
// side never lets the stream choose what the prepare step loads or reads, or where a file lands: a donor is a
// peer on the pod network, and `xtrabackup --prepare` runs in the init container with the Secrets mounted.
//
// Three checks, each at the earliest point it can be made:
//   1. check_stream_path: every path as it arrives in a chunk header, before any byte of it reaches the
//      extractor (xbstream_verifier). `mbstream -x` refuses `../x`, absolute paths and `./a`, then silently
//      skips the rest of the stream and exits 0, so a refused name must fail the clone here.
//   2. check_layout_entry: every entry of the extracted staging tree before --prepare, against the datadir
//      layout the backup tools produce (the list below and in README "Threat model").
//   3. rebuild_backup_my_cnf: `--prepare` reads `backup-my.cnf` from the backup and honours `plugin_dir` /
//      `plugin_load` (that is how it loads encryption plugins), so a donor that ships a shared object and names
//      it there runs code in the cloning pod. The file is rewritten from an allow-list of the InnoDB layout keys
//      a prepare needs; everything else is dropped.
//
// Pure: no I/O.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// A path as it arrives in an xbstream chunk. Ok when it is:
///   - relative and canonical, one or two components ("ibdata1", "shop/orders.ibd") joined by one '/', none
///     empty, "." or "..";
///   - made of [A-Za-z0-9_$#@.-] only (MySQL and MariaDB write every other character of a table name as @XXXX);
///   - without a component that starts with '.' (hidden files, and the agent's own `.mysql-agent-*` names);
///   - not a shared object (`*.so`, `*.so.N`).
/// The error names the path (escaped) and the rule it breaks.
status check_stream_path(std::string_view path);

/// One entry of the extracted backup (its path relative to the staging dir, with '/' separators).
struct layout_entry {
    std::string path;
    bool directory = false;
};

/// Checks one entry of an extracted backup against the layout xtrabackup 2.4-8.4 and mariabackup 10.x-11.x
/// produce (besides check_stream_path's rules):
///   top-level directories: database directories and the engines' own (`#innodb_redo`, `#rocksdb`);
///   top-level files: backup-my.cnf, xtrabackup_* / mariadb_backup_* / xb_*, ibdata<N>, ib_logfile<N>,
///     undo<N> / undo_<N>, ib_buffer_pool, aria_log_control, aria_log.<N>, *.ibd / *.ibu (general and undo
///     tablespaces, mysql.ibd), binary logs (<name>.<digits>, <name>.index: XtraBackup 8 copies the last one),
///     and the data files `innodb_data_file_path` names (`data_files`);
///   files inside a top-level directory: table files by extension (frm ibd ibu isl cfg cfp sdi MYD MYI MAD MAI
///     CSM CSV ARZ ARM MRG TRG TRN par opt TMD, and the prepare-time DDL files new ren del crpt delta meta),
///     `#innodb_redo/#ib_redo*`, and `#rocksdb/*`;
///   nothing deeper.
/// Two top-level files are the donor's own configuration, not data, and are dropped (never copied into this
/// pod): `auto.cnf` (the server UUID, which must differ on every member) and `mysqld-auto.cnf` (variables the
/// donor persisted with SET PERSIST, which mysqld would apply over this pod's configuration).
/// Anything else is refused: the error names the entry and why.
enum class layout_action { keep, drop };
result<layout_action> check_layout_entry(const layout_entry& entry, const std::vector<std::string>& data_files);

/// Whether `path` names a file made of checksummed binary pages whose first bytes are a checksum (InnoDB
/// tablespaces and redo logs): only those may, by chance, start with bytes that look like an ELF header.
bool is_page_file(std::string_view path);

/// A `<space>.ren` file (XtraBackup 8 `--lock-ddl=REDUCED`) names the tablespace's new path, and --prepare
/// renames the file there: it must be a two-component path that passes check_stream_path.
status check_rename_target(std::string_view content);

/// backup-my.cnf as the clone hands it to --prepare.
struct rebuilt_cnf {
    std::string content;                  ///< "[mysqld]" and the kept keys, one `key=value` per line
    std::vector<std::string> dropped;     ///< keys (and directives) that were removed, in file order
    std::vector<std::string> data_files;  ///< file names of innodb_data_file_path ("ibdata1")
};

/// Rebuilds backup-my.cnf from the keys a prepare needs, each with its value checked:
///
///   key                                  | accepted value
///   -------------------------------------+-------------------------------------------------------------
///   innodb_checksum_algorithm            | crc32 innodb none full_crc32, optionally strict_
///   innodb_data_file_path                | name:size[:autoextend[:max:size]][;...], names without '/'
///   innodb_page_size                     | a size (4096..65536, or 4k..64k)
///   innodb_log_file_size, innodb_redo_log_capacity, innodb_log_block_size | a size
///   innodb_log_files_in_group, innodb_undo_tablespaces, innodb_compression_level, server_id, master_key_id
///                                        | a number
///   innodb_log_checksums, innodb_fast_checksum, innodb_encrypt_log, innodb_redo_log_encrypt,
///   innodb_undo_log_encrypt              | ON OFF 0 1 TRUE FALSE
///   innodb_undo_directory, innodb_log_group_home_dir, innodb_data_home_dir | "." or "./" (the backup itself)
///   innodb_buffer_pool_filename          | a plain file name
///   server_uuid                          | hex digits and '-'
///
/// Names are normalised (lower case, '-' as '_', a `loose_` prefix removed). Every other key (plugin_load,
/// plugin_dir, plugin_maturity, ...), every `!include`/`!includedir` and every group but [mysqld] is dropped.
/// An accepted key with a value of another form is an error: the donor is not a backup tool.
result<rebuilt_cnf> rebuild_backup_my_cnf(std::string_view content);

/// The most bytes the clone reads from a backup's control file (backup-my.cnf, *_info, *.ren): real ones are
/// under 4 KiB; a larger one is refused, not allocated.
inline constexpr std::uint64_t control_file_limit = 1024 * 1024;

}  // namespace mysql_agent
