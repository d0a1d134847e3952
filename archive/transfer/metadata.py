"""Dublin Core and PREMIS descriptions of a record in a transfer bag (docs/transfer-format.md)."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # writing only, never parsing

from archive.models import Document
from security.crypto.envelope import (
    ENCRYPTED_SUFFIX,
)
from security.vocabulary import LEVEL_NAMES

# -- Dublin Core and PREMIS --------------------------------------------------------------------

DC, DCTERMS, PREMIS = (
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/terms/",
    "http://www.loc.gov/premis/v3",
)


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def dublin_core(description: dict, doc: Document) -> bytes:
    """Simple Dublin Core: number → identifier, subject → title, issuer → creator, …"""
    ET.register_namespace("dc", DC)
    ET.register_namespace("dcterms", DCTERMS)
    root = ET.Element("metadata")
    pairs = [
        ("identifier", description.get("number")),
        ("title", description.get("subject")),
        ("creator", description.get("issuer")),
        ("date", description.get("date")),
        ("type", description.get("doc_type")),
        ("coverage", description.get("place")),
        ("language", "vi"),
        ("rights", LEVEL_NAMES.get(doc.level, doc.level)),
        ("relation", description.get("dossier")),
        ("source", f"kho:{doc.id}"),
    ]
    for name, value in pairs:
        if value:
            ET.SubElement(root, f"{{{DC}}}{name}").text = str(value)
    return _xml(root)


def premis(files: dict, evts: list[dict]) -> bytes:
    """PREMIS 3 objects (fixity, size, format) and the record's events (record_events)."""
    ET.register_namespace("premis", PREMIS)

    def sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
        node = ET.SubElement(parent, f"{{{PREMIS}}}{name}")
        if text is not None:
            node.text = text
        return node

    root = ET.Element(f"{{{PREMIS}}}premis", {"version": "3.0"})
    for kind, item in files.items():
        obj = sub(root, "object")
        ident = sub(obj, "objectIdentifier")
        sub(ident, "objectIdentifierType", "local")
        sub(ident, "objectIdentifierValue", item["path"].removesuffix(ENCRYPTED_SUFFIX))
        chars = sub(obj, "objectCharacteristics")
        fixity = sub(chars, "fixity")
        sub(fixity, "messageDigestAlgorithm", "SHA-256")
        sub(fixity, "messageDigest", item["sha256"])
        sub(chars, "size", str(item["size"]))
        fmt = sub(sub(chars, "format"), "formatDesignation")
        sub(fmt, "formatName", item.get("media_type", kind))
    for e in evts:
        node = sub(root, "event")
        ident = sub(node, "eventIdentifier")
        sub(ident, "eventIdentifierType", "local")
        sub(ident, "eventIdentifierValue", f"kho-event-{e['id']}")
        sub(node, "eventType", e["event"])
        sub(node, "eventDateTime", e["at"])
        sub(sub(node, "eventDetailInformation"), "eventDetail", e["detail"])
        sub(sub(node, "eventOutcomeInformation"), "eventOutcome", e["outcome"])
        agent = sub(node, "linkingAgentIdentifier")
        sub(agent, "linkingAgentIdentifierType", "local")
        sub(agent, "linkingAgentIdentifierValue", e["agent"])
    return _xml(root)
