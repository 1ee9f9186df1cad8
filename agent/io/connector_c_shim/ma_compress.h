/* Stand-in for Connector/C's ma_compress.h, which Debian 12's libmariadb-dev (3.3.x) does not ship although its
 * public <mysql/client_plugin.h> includes it (for the compression plugin type, which the agent does not use).
 * Without it, no program can include client_plugin.h to register a client plugin (sha2_auth_plugin.cpp does).
 * Only the opaque context type is needed: client_plugin.h uses it through pointers. Seen on libmariadb-dev
 * 1:10.11.x (MARIADB_PACKAGE_VERSION 3.3.20); upstream's file: libmariadb/include/ma_compress.h. */
#ifndef MYSQL_AGENT_MA_COMPRESS_SHIM_H
#define MYSQL_AGENT_MA_COMPRESS_SHIM_H
typedef struct st_ma_compress_ctx ma_compress_ctx;
#endif
