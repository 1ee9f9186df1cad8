# syntax=docker/dockerfile:1
# mysql-agent images. The default target (the last stage) is the FROM scratch agent image:
#   docker build -t ghcr.io/example/mysql-agent:0.1.0 .
# The agent layered onto Percona XtraBackup 8.0 (xtrabackup, xbstream and mysql-agent in one image), an
# alternative to the agent-bin emptyDir of manifests/:
#   docker build --target xtrabackup -t ghcr.io/example/mysql-agent-xtrabackup:0.1.0 .
ARG XTRABACKUP_IMAGE=docker.io/percona/percona-xtrabackup:8.0.35-34.1

# Same toolchain and packages as a developer machine: scripts/install-deps.sh is the one list.
FROM docker.io/library/debian:bookworm AS builder
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build -j"$(nproc)"
RUN ctest --test-dir build -R unit --output-on-failure
# The images ship it without debug info (15.6 MB at 0.1.0, built here with `make image`; symbols stay for backtraces);
# build/mysql-agent in this stage keeps it.
RUN file build/mysql-agent | grep -q 'statically linked' \
    && strip --strip-debug -o /mysql-agent build/mysql-agent

FROM ${XTRABACKUP_IMAGE} AS xtrabackup
COPY --from=builder /mysql-agent /usr/local/bin/mysql-agent
ENV LC_ALL=C
ENTRYPOINT ["/usr/local/bin/mysql-agent"]

FROM scratch AS agent
COPY --from=builder /mysql-agent /mysql-agent
# Debian's CA bundle (ca-certificates): an https object store is verified against it (the backup CronJob runs here).
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV LC_ALL=C
# The mysql user of the official mysql and mariadb images; manifests/ sets it too.
USER 999:999
ENTRYPOINT ["/mysql-agent"]
