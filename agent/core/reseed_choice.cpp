#include "mysql_agent/core/reseed_choice.hpp"

#include <algorithm>
#include <string_view>

#include "mysql_agent/core/members.hpp"
#include "mysql_agent/core/pod_identity.hpp"

namespace mysql_agent {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

/// Two GTID lists as one.
std::string both(const std::string& a, const std::string& b) { return a.empty() || b.empty() ? a + b : a + "," + b; }

/// Whether `name` is a pod of the StatefulSet `self` is a pod of, under the same service domain: "mysql-2.mysql"
/// for "mysql-0.mysql"; not "other-2.mysql", "mysql-2.other" or "mysql-02.mysql" (pod_identity.hpp's parse).
bool same_statefulset(std::string_view self, std::string_view name) {
    const auto domain = [](std::string_view n) {
        const auto dot = n.find('.');
        return dot == std::string_view::npos ? std::string_view() : n.substr(dot);
    };
    const auto a = parse_pod_hostname(self);
    const auto b = parse_pod_hostname(name);
    return a && b && a->statefulset == b->statefulset && !domain(name).empty() && domain(name) == domain(self);
}

}  // namespace

result<reseed_choice> choose_reseed(const reseed_round& round) {
    reseed_choice c;
    std::vector<std::string> named;
    for (const auto& a : round.answers) {
        named.push_back(a.name);
        // Only names of this StatefulSet: a peer's answer (or whoever sits in the middle of a plaintext one) must
        // not choose where init sends its token and asks for positions.
        for (const auto& m : a.members)
            if (is_member_name(m) && same_statefulset(round.self, m)) named.push_back(m);
    }
    c.known = union_of_names(round.known, named);
    std::erase(c.known, round.self);

    for (const auto& name : c.known) {
        const auto it = std::find_if(round.answers.begin(), round.answers.end(),
                                     [&](const member_answer& a) { return a.name == name; });
        if (it != round.answers.end() && it->position) continue;
        (contains(round.given_up, name) ? c.given_up : c.silent).push_back(name);
    }
    if (c.known.empty()) {
        c.step = reseed_step::no_data;
        c.reason = "no member is known: no name resolves and no answer names one";
        return c;
    }
    if (!c.silent.empty()) {
        c.step = !round.out_of_time ? reseed_step::wait
                 : round.donor_chosen ? reseed_step::donor_silent
                                      : reseed_step::give_up;
        c.reason = "known member(s) " + joined(c.silent) + " did not answer: any of them may hold what the others lack";
        return c;
    }

    std::vector<peer_position> positions;
    std::vector<std::size_t> index_of;
    for (std::size_t i = 0; i < round.answers.size(); ++i) {
        const auto& a = round.answers[i];
        if (!a.position || a.name == round.self) continue;
        positions.push_back(*a.position);
        positions.back().name = a.name;
        index_of.push_back(i);
    }
    const auto chosen = choose_most_advanced(positions);
    if (!chosen) return error{chosen.message()};
    const std::string given_up_text =
        c.given_up.empty() ? "" : " (given up by --reseed-without: " + joined(c.given_up) + ")";
    if (chosen->outcome == most_advanced_outcome::no_data) {
        c.step = reseed_step::no_data;
        c.reason = "every known member answered and none holds data" + given_up_text;
        return c;
    }
    c.step = reseed_step::clone;
    c.donor = index_of[chosen->index];
    c.reason = "every known member answered" + given_up_text + "; " + chosen->reason;
    return c;
}

status check_clone_holds(const backup_metadata& clone, const peer_position& advertised) {
    if (advertised.gtid_position.empty()) return ok();
    const std::string binlog_gtid = clone.binlog ? clone.binlog->gtid_set : "";
    const std::string what = "the clone from " + advertised.name + " holds less than it advertised: ";
    if (advertised.flavor == server_flavor::mariadb) {
        const auto want = parse_mariadb_gtid_position(advertised.gtid_position);
        if (!want) return error{"the position " + advertised.name + " advertised: " + want.message()};
        const std::string held_text = both(binlog_gtid, clone.gtid_slave_pos.value_or(""));
        // Listing both keeps the highest seq of each domain (parse_mariadb_gtid_position reads binlog states so).
        const auto held = parse_mariadb_gtid_position(held_text);
        if (!held) return error{"the clone's own GTID position: " + held.message()};
        if (at_least(*held, *want)) return ok();
        return error{what + "its backup is at GTID '" + to_string(*held) + "', its GET /position said '" +
                     to_string(*want) + "'"};
    }
    const auto want = parse_mysql_gtid_set(advertised.gtid_position);
    if (!want) return error{"the position " + advertised.name + " advertised: " + want.message()};
    const std::string held_text = both(binlog_gtid, clone.gtid_purged.value_or(""));
    const auto held = parse_mysql_gtid_set(held_text);
    if (!held) return error{"the clone's own GTID set: " + held.message()};
    if (is_subset(*want, *held)) return ok();
    return error{what + "its backup lacks '" + to_string(subtract(*want, *held)) + "' of the '" + to_string(*want) +
                 "' its GET /position said"};
}

}  // namespace mysql_agent
