#!/bin/sh
# The MariaDB test image's entrypoint (scripts/build-mariadb-image.sh): what the manifests' mysql container needs of
# docker.io/library/mariadb's, and nothing more. `mariadbd` (the default command) on an empty datadir initialises it
# first: the system tables, root@localhost and root@'%' with the password of MYSQL_ROOT_PASSWORD_FILE (or
# MARIADB_ROOT_PASSWORD_FILE) and no other root account (mariadb-install-db's password-less root@127.0.0.1, ::1
# and hostname would win over root@'%' for clients on those addresses), as the official image does; a datadir that
# holds data (a clone) starts as it is. Any other command runs as given. It runs as the image's user (mysql, uid
# 999), on a read-only root: only /var/lib/mysql, /var/run/mysqld and /tmp need to be writable.
set -eu
if [ "${1:-}" != "mariadbd" ]; then exec "$@"; fi
datadir=/var/lib/mysql
if [ ! -d "$datadir/mysql" ]; then
  file=${MARIADB_ROOT_PASSWORD_FILE:-${MYSQL_ROOT_PASSWORD_FILE:-}}
  [ -n "$file" ] && [ -r "$file" ] || { echo "entrypoint: the datadir is empty and no readable MYSQL_ROOT_PASSWORD_FILE" >&2; exit 1; }
  echo "entrypoint: initialising the empty datadir $datadir" >&2
  mariadb-install-db --datadir="$datadir" --auth-root-authentication-method=normal --skip-test-db \
    --skip-name-resolve >/dev/null
  socket=/tmp/entrypoint-init.sock
  mariadbd --datadir="$datadir" --skip-networking --socket="$socket" --skip-log-bin --pid-file=/tmp/entrypoint-init.pid &
  pid=$!
  i=0
  until mariadb --no-defaults --socket="$socket" -uroot -e 'SELECT 1' >/dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -lt 600 ] || { echo "entrypoint: the initial server did not answer in 60 s" >&2; exit 1; }
    kill -0 "$pid" 2>/dev/null || { echo "entrypoint: the initial server exited" >&2; exit 1; }
    sleep 0.1
  done
  # The password reaches the server in a statement read from stdin, never argv; quotes and backslashes escaped.
  password=$(sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g" "$file")
  mariadb --no-defaults --socket="$socket" -uroot <<SQL
SET sql_log_bin = 0;
DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';
EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@''', @@hostname, '''');
ALTER USER 'root'@'localhost' IDENTIFIED BY '$password';
CREATE USER 'root'@'%' IDENTIFIED BY '$password';
GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
SHUTDOWN;
SQL
  # The same session shuts the server down: the password never reaches another process's argv.
  wait "$pid" || { echo "entrypoint: the initial server did not shut down cleanly" >&2; exit 1; }
  echo "entrypoint: initialised" >&2
fi
exec "$@"
