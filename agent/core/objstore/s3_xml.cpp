#include "mysql_agent/core/objstore/s3_xml.hpp"

#include <cstring>
#include <sstream>

#include <pugixml.hpp>

#include "mysql_agent/core/text.hpp"

namespace mysql_agent::objstore {
namespace {

/// The local part of an element name: "Code" for "s3:Code".
std::string_view local_name(const pugi::xml_node& n) {
    std::string_view name = n.name();
    if (const auto colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
    return name;
}

pugi::xml_node child(const pugi::xml_node& parent, std::string_view name) {
    for (const auto& c : parent.children())
        if (c.type() == pugi::node_element && local_name(c) == name) return c;
    return {};
}

std::string text_of(const pugi::xml_node& parent, std::string_view name) {
    return child(parent, name).child_value();
}

/// Parses `xml` (no DOCTYPE: entities are not expanded, pugixml loads no external resource).
result<pugi::xml_document*> load(pugi::xml_document& doc, std::string_view xml, std::string_view what) {
    const auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype);
    if (!parsed) return error{std::string(what) + " is not XML: " + parsed.description()};
    return &doc;
}

result<pugi::xml_node> root(pugi::xml_document& doc, std::string_view xml, std::string_view expected) {
    auto loaded = load(doc, xml, expected);
    if (!loaded) return loaded.err();
    const pugi::xml_node r = doc.document_element();
    if (local_name(r) != expected)
        return error{"expected an S3 " + std::string(expected) + " document, got <" + text::printable(r.name()) + ">"};
    return r;
}

std::string unquoted(std::string s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
}

bool is_true(const std::string& s) { return s == "true" || s == "True" || s == "TRUE"; }

}  // namespace

std::optional<s3_error_body> parse_error(std::string_view xml) {
    pugi::xml_document doc;
    auto r = root(doc, xml, "Error");
    if (!r) return std::nullopt;
    return s3_error_body{text_of(*r, "Code"), text_of(*r, "Message")};
}

result<std::string> parse_upload_id(std::string_view xml) {
    pugi::xml_document doc;
    auto r = root(doc, xml, "InitiateMultipartUploadResult");
    if (!r) return r.err();
    std::string id = text_of(*r, "UploadId");
    if (id.empty()) return error{"the InitiateMultipartUploadResult has no UploadId"};
    return id;
}

result<object_listing> parse_list_objects(std::string_view xml) {
    pugi::xml_document doc;
    auto r = root(doc, xml, "ListBucketResult");
    if (!r) return r.err();
    object_listing out;
    for (const auto& c : r->children()) {
        if (c.type() != pugi::node_element || local_name(c) != "Contents") continue;
        listed_object o;
        o.key = text_of(c, "Key");
        const auto size = text::parse_uint(text_of(c, "Size"));
        if (o.key.empty() || !size) return error{"a ListBucketResult entry has no Key or no numeric Size"};
        o.size = *size;
        o.etag = unquoted(text_of(c, "ETag"));
        o.last_modified = text_of(c, "LastModified");
        out.objects.push_back(std::move(o));
    }
    out.truncated = is_true(text_of(*r, "IsTruncated"));
    out.next_token = text_of(*r, "NextContinuationToken");
    if (out.truncated && out.next_token.empty())
        return error{"a truncated ListBucketResult has no NextContinuationToken"};
    return out;
}

result<upload_listing> parse_list_uploads(std::string_view xml) {
    pugi::xml_document doc;
    auto r = root(doc, xml, "ListMultipartUploadsResult");
    if (!r) return r.err();
    upload_listing out;
    for (const auto& c : r->children()) {
        if (c.type() != pugi::node_element || local_name(c) != "Upload") continue;
        listed_upload u{text_of(c, "Key"), text_of(c, "UploadId"), text_of(c, "Initiated")};
        if (u.key.empty() || u.upload_id.empty()) return error{"a ListMultipartUploadsResult entry has no Key or UploadId"};
        out.uploads.push_back(std::move(u));
    }
    out.truncated = is_true(text_of(*r, "IsTruncated"));
    out.next_key_marker = text_of(*r, "NextKeyMarker");
    out.next_upload_id_marker = text_of(*r, "NextUploadIdMarker");
    if (out.truncated && out.next_key_marker.empty())
        return error{"a truncated ListMultipartUploadsResult has no NextKeyMarker"};
    return out;
}

std::string complete_upload_body(const std::vector<completed_part>& parts) {
    pugi::xml_document doc;
    auto top = doc.append_child("CompleteMultipartUpload");
    top.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
    for (const auto& p : parts) {
        auto part = top.append_child("Part");
        part.append_child("PartNumber").text().set(p.number);
        const std::string etag = p.etag.size() >= 2 && p.etag.front() == '"' ? p.etag : "\"" + p.etag + "\"";
        part.append_child("ETag").text().set(etag.c_str());
    }
    std::ostringstream out;
    doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
    return out.str();
}

status check_complete_answer(std::string_view xml) {
    if (const auto e = parse_error(xml)) return error{e->code + ": " + e->message};
    pugi::xml_document doc;
    auto r = root(doc, xml, "CompleteMultipartUploadResult");
    if (!r) return r.err();
    return ok();
}

}  // namespace mysql_agent::objstore
