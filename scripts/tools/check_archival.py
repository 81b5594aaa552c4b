"""Checks a signed ecert PDF with tools independent of ours: PDF/A-2b
identification, output intent and embedded fonts (pikepdf, on qpdf), the
PDF/UA-1 structure the signature must keep (the widget in a /Form element,
/F 132, /TU, /StructParent; language, outline, title), and the signature
itself with pyHanko against the given root certificate.

    python check_archival.py FILE.pdf ROOT.pem

Prints each finding; exits 1 if any check fails.
"""
import sys

import pikepdf
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

failures = []


def expect(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def structure(path):
    with pikepdf.open(path) as pdf:
        expect(not pdf.check_pdf_syntax(), "qpdf finds no syntax problems")
        meta = pdf.open_metadata()
        expect(meta.get("pdfaid:part") == "2" and meta.get("pdfaid:conformance") == "B", "XMP says PDF/A-2b")
        expect(meta.get("pdfuaid:part") == "1", "XMP says PDF/UA-1")
        expect(bool(meta.get("dc:title")), "XMP has a title")
        root = pdf.Root
        intents = list(root.get("/OutputIntents", []))
        expect(
            len(intents) == 1 and intents[0].get("/S") == "/GTS_PDFA1" and intents[0].DestOutputProfile.get("/N") == 3,
            "one PDF/A output intent with an RGB ICC profile",
        )
        expect(str(root.get("/Lang")) == "zh-CN", "language zh-CN")
        expect(bool(root.get("/MarkInfo", {}).get("/Marked")), "marked (tagged) content")
        expect(bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle")), "readers show the title")
        expect("/Outlines" in root and "/First" in root.Outlines, "an outline")
        expect("/CreationDate" in pdf.docinfo, "a creation date")
        expect(len(pdf.trailer.get("/ID", [])) == 2, "the trailer keeps its /ID")
        page = pdf.pages[0]
        for name, font in page.Resources.get("/Font", {}).items():
            desc = font.get("/DescendantFonts", [font])[0]
            descriptor = desc.get("/FontDescriptor")
            embedded = descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            expect(embedded and "/ToUnicode" in font, f"font {name} embedded, with ToUnicode")
        expect(page.obj.get("/Tabs") == "/S", "the page's tab order follows the structure")
        widgets = [a for a in page.get("/Annots", []) if a.get("/Subtype") == "/Widget"]
        expect(len(widgets) == 1, "one signature widget")
        if not widgets:
            return
        widget = widgets[0]
        expect(int(widget.get("/F", 0)) == 132, "widget /F 132 (print, locked)")
        expect(bool(str(widget.get("/TU", ""))), "widget has a /TU name")
        key = widget.get("/StructParent")
        expect(key is not None, "widget has a /StructParent")
        tree = root.StructTreeRoot
        nums = list(tree.ParentTree.Nums)
        parents = dict(zip([int(k) for k in nums[0::2]], nums[1::2]))
        form = parents.get(int(key)) if key is not None else None
        expect(form is not None and form.get("/S") == "/Form", "its structure parent is a /Form element")
        if form is not None:
            objrs = [k for k in form.K if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"]
            expect(any(k.Obj.objgen == widget.objgen for k in objrs), "the /Form element refers to the widget")
            expect(form.P.get("/S") == "/Document", "the /Form element sits in the Document element")
            expect(any(k.objgen == form.objgen for k in form.P.K if isinstance(k, pikepdf.Dictionary)),
                   "the Document element lists the /Form element among its kids")
        expect(int(tree.ParentTreeNextKey) > int(key or 0), "ParentTreeNextKey is past the widget's key")


def signature(path, root_pem):
    trust = ValidationContext(trust_roots=[load_cert_from_pemder(root_pem)], allow_fetching=False, revocation_mode="soft-fail")
    with open(path, "rb") as f:
        sig = PdfFileReader(f).embedded_signatures[0]
        status = validate_pdf_signature(sig, trust)
        expect(status.intact and status.valid and status.trusted, "pyHanko: intact, valid, trusted")
        expect(status.coverage.name == "ENTIRE_FILE", f"pyHanko: covers the entire file ({status.coverage.name})")


structure(sys.argv[1])
signature(sys.argv[1], sys.argv[2])
sys.exit(1 if failures else 0)
