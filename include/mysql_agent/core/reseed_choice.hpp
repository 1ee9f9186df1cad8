#pragma once
// Which peer a re-seed clones from, round after round: only one whose history holds every known member's history,
// and only once every known member answered (or was given up by name). Pure: the I/O layer finds the names, asks
// each GET /position, and carries out the step (io/peer_clone.hpp).
//
// Known members: every name asked (--peers, or a <sts>-k.<service> name that resolves) and every member named in
// any answer (the replicated mysql_agent.members, members.hpp), accumulated over the rounds. A name in an answer
// counts only when it is this StatefulSet's (`<sts>-<ordinal>.<service>...` as `self` is): an answer never sends
// init, and its token, to another host. A member that is known
// and does not answer may be the one that is ahead: a 401 after a token rotation, a 503 while its mysqld restarts,
// a timeout, a refused client certificate, a name that no longer resolves. None of those says it holds nothing.
//
// | known members       | silent (not given up) | out of time | answering positions               | step          |
// |---------------------|-----------------------|-------------|-----------------------------------|---------------|
// | none                | -                     | -           | -                                 | no_data       |
// | some                | some                  | no          | -                                 | wait          |
// | some                | some                  | yes         | -                                 | give_up,      |
// |                     |                       |             |                                   | naming them   |
// |                     |                       |             |                                   | (donor_silent |
// |                     |                       |             |                                   | when the donor|
// |                     |                       |             |                                   | was chosen by |
// |                     |                       |             |                                   | --clone-from) |
// | some                | none                  | -           | none holds data                   | no_data       |
// | some                | none                  | -           | one holds every other's history   | clone from it |
// | some                | none                  | -           | diverged, or not comparable       | error         |
//
// A member given up (--reseed-without NAME) counts as answered with nothing: what it alone holds may be lost, so
// the choice says which were given up and the caller logs it at warn and records it in the clone marker.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// One member asked in this round.
struct member_answer {
    std::string name;                       ///< "mysql-2.mysql": the host asked
    std::optional<peer_position> position;  ///< nullopt: no usable answer
    std::vector<std::string> members;       ///< the members this one knows (GET /position `members`)
    std::string problem;                    ///< why no answer, for the messages
};

struct reseed_round {
    std::string self;                       ///< this member's name: never a candidate, never waited for
    std::vector<std::string> known;         ///< known before this round (accumulated by the caller)
    std::vector<member_answer> answers;     ///< every known member asked this round
    std::vector<std::string> given_up;      ///< --reseed-without: members the operator accepts to lose
    bool out_of_time = false;               ///< --clone-wait has run out
    bool donor_chosen = false;              ///< --clone-from: the one member asked is the donor the operator chose
};

enum class reseed_step {
    wait,     ///< a known member is silent: ask again next round
    clone,    ///< clone from answers[donor]
    no_data,  ///< no known member holds data (or none is known): an ordinal 0 may start empty
    give_up,  ///< known members stayed silent until --clone-wait ran out: exit naming them
    donor_silent,  ///< the donor chosen with --clone-from stayed silent until --clone-wait ran out: no donor
};

struct reseed_choice {
    reseed_step step = reseed_step::wait;
    std::size_t donor = 0;                ///< clone: index into reseed_round::answers
    std::vector<std::string> known;       ///< every member known after this round (self excluded), sorted
    std::vector<std::string> silent;      ///< known, not answering, not given up, sorted
    std::vector<std::string> given_up;    ///< known, not answering, given up by the operator, sorted
    std::string reason;                   ///< one line for the log
};

/// Decides this round's step (table above). An error when the answering members' histories diverged or cannot be
/// compared (choose_most_advanced): no donor holds every history, and guessing would lose one.
result<reseed_choice> choose_reseed(const reseed_round& round);

/// Whether a clone holds what its donor advertised on GET /position before the backup: the backup's own GTID
/// position (MariaDB: per domain the highest of the binlog info's GTID and gtid_slave_pos, as @@gtid_current_pos
/// is; MySQL: the binlog info's GTID set with gtid_purged) reaches `advertised.gtid_position`. An error names both
/// positions: a donor that served less than it advertised (another server behind its address, a backup of an older
/// copy) must not become the member everyone else follows. A donor that advertised no GTID position is not checked
/// (file/position clusters: the binlog coordinates of a backup and of /position are of different servers' logs).
status check_clone_holds(const backup_metadata& clone, const peer_position& advertised);

}  // namespace mysql_agent
