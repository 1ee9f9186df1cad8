#pragma once
// A replica's sidecar serves backups while its reconcile loop keeps replication running, and the two must not cross:
// mariabackup --safe-slave-backup stops the SQL thread for the length of the backup and starts it again when it is
// done, so that the data it copies and the binlog coordinates it records (--slave-info) describe the same moment.
// A START from the reconcile loop in between lets the SQL thread commit during the backup (seen: a loop every 0.1 s
// restarted it in the middle of each of 3 backups out of 3).
//
// Each backup holds a pass from before its tool starts until the tool has exited; the reconcile loop runs its START
// through `unless_backup`, which holds the gate so that no backup can start meanwhile. A backup that starts waits
// for a START in progress (milliseconds on a local server); the loop never waits for a backup: it tries again on
// its next pass.

#include <mutex>

namespace mysql_agent {

class backup_gate {
public:
    /// Held by one backup: entered when made, left when destroyed.
    class pass {
    public:
        explicit pass(backup_gate& gate) : gate_(gate) { gate_.enter(); }
        ~pass() { gate_.leave(); }
        pass(const pass&) = delete;
        pass& operator=(const pass&) = delete;

    private:
        backup_gate& gate_;
    };

    /// Runs `action` while no backup holds a pass, holding the gate so that none starts before it returns.
    /// false, and `action` not run, while one does.
    template <class Action>
    bool unless_backup(Action&& action) {
        std::lock_guard lock(mutex_);
        if (backups_ > 0) return false;
        action();
        return true;
    }

    /// Backups holding a pass now.
    unsigned backups() const {
        std::lock_guard lock(mutex_);
        return backups_;
    }

private:
    void enter() {
        std::lock_guard lock(mutex_);
        ++backups_;
    }
    void leave() {
        std::lock_guard lock(mutex_);
        --backups_;
    }

    mutable std::mutex mutex_;
    unsigned backups_ = 0;
};

}  // namespace mysql_agent
