"""Checks a sealed ecert OFD copy with tools independent of ours:

- the electronic seal, with gmssl only (pure-Python SM2/SM3): the SM3 of
  every file `Signature.xml` lists, that it lists every file of the package
  but its own two, `dataHash` = SM3(Signature.xml), the SES_Signature's SM2
  signature by the signer's certificate, `Seal.esl` = the seal signed with,
  the signer in the seal's certificate list, the signing time within the
  seal's validity, the maker's SM2 signature on the seal, and both
  certificates issued by the SM2 root given;
- the page, with easyofd: it opens the package and renders it to an image
  (in the package's own embedded font), and its text holds each EXPECTED
  string;
- the QR code, with zbarimg on that image: it reads URL.

    python check_ofd.py FILE.ofd SM2-ROOT.pem URL [EXPECTED ...]

Prints each finding; exits 1 if any check fails.
"""
import base64
import io
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

from gmssl import func, sm2, sm3

NS = {"ofd": "http://www.ofdspec.org/2016"}
SM2_WITH_SM3 = bytes.fromhex("2a811ccf55018375")  # 1.2.156.10197.1.501
SM2_CURVE = bytes.fromhex("2a811ccf5501822d")  # 1.2.156.10197.1.301
failures = []


def expect(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)
    return ok


def sm3_of(data):
    return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(bytearray(data))))


def tlv(b, i=0):
    """(tag, content, whole, next) of the DER element at b[i]."""
    tag, length = b[i], b[i + 1]
    j = i + 2
    if length & 0x80:
        n = length & 0x7F
        if not 1 <= n <= 3:
            raise ValueError("length")
        length = int.from_bytes(b[j : j + n], "big")
        j += n
    if j + length > len(b):
        raise ValueError("truncated")
    return tag, b[j : j + length], b[i : j + length], j + length


def children(content):
    out, i = [], 0
    while i < len(content):
        tag, c, whole, i = tlv(content, i)
        out.append((tag, c, whole))
    return out


def bits(content):
    if content[0] != 0:
        raise ValueError("unused bits")
    return content[1:]


def tbs_parts(cert):
    """(tbs whole, tbs fields, signature algorithm whole, signature bits)."""
    tbs, alg, sig = children(tlv(cert)[1])
    return tbs[2], children(tbs[1]), alg[2], bits(sig[1])


def public_xy(cert):
    fields = tbs_parts(cert)[1]
    spki = children(fields[6 if fields[0][0] == 0xA0 else 5][1])
    if children(spki[0][1])[1][2] != b"\x06\x08" + SM2_CURVE:
        raise ValueError("not an SM2 key")
    point = bits(spki[1][1])
    if point[0] != 4 or len(point) != 65:
        raise ValueError("not an uncompressed point")
    return point[1:].hex()


def sm2_verifies(cert, message, signature_der):
    r, s = [int.from_bytes(x[1], "big") for x in children(tlv(signature_der)[1])]
    crypt = sm2.CryptSM2(private_key=None, public_key="00")
    crypt.public_key = public_xy(cert)  # set after: the constructor strips leading 0s and 4s
    return crypt.verify_with_sm3("%064x%064x" % (r, s), message) is True  # ID 1234567812345678


def pem_der(path):
    text = open(path).read()
    body = text.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(body.split()))


def seal(package, root):
    names = set(package.namelist())
    signatures = ET.fromstring(package.read("OFD.xml")).find("ofd:DocBody/ofd:Signatures", NS).text.lstrip("/")
    signature_loc = ET.fromstring(package.read(signatures)).find("ofd:Signature", NS).get("BaseLoc").lstrip("/")
    signature_xml = package.read(signature_loc)
    signature = ET.fromstring(signature_xml)
    value_loc = signature.find("ofd:SignedValue", NS).text.lstrip("/")
    references = signature.find("ofd:SignedInfo/ofd:References", NS)
    expect(references.get("CheckMethod") == "1.2.156.10197.1.401", "references are SM3")
    covered = set()
    for reference in references.findall("ofd:Reference", NS):
        path = reference.get("FileRef").lstrip("/")
        covered.add(path)
        stated = base64.b64decode(reference.find("ofd:CheckValue", NS).text)
        expect(path in names and stated == sm3_of(package.read(path)), "SM3 of " + path)
    expect(names - covered == {signature_loc, value_loc}, "every other file is protected")
    value = package.read(value_loc)
    tag, content, _, end = tlv(value)
    expect(tag == 0x30 and end == len(value), "SignedValue.dat is one DER SEQUENCE")
    to_sign, cert, algorithm, signature_bits = children(content)[:4]
    tbs = children(to_sign[1])
    expect(tbs[0][2] == b"\x02\x01\x04" and algorithm[1] == SM2_WITH_SM3, "SES_Signature v4, SM2-with-SM3")
    expect(bits(tbs[3][1]) == sm3_of(signature_xml), "dataHash = SM3(Signature.xml)")
    signer = cert[1]
    expect(sm2_verifies(signer, to_sign[2], bits(signature_bits[1])), "SES_Signature's SM2 signature")
    eseal = tbs[1][2]
    seal_loc = signature.find("ofd:SignedInfo/ofd:Seal/ofd:BaseLoc", NS).text.lstrip("/")
    expect(package.read(seal_loc) == eseal, "Seal.esl is the seal signed with")
    seal_info, maker, _, seal_signature = children(tbs[1][1])
    properties = children(children(seal_info[1])[2][1])
    expect(signer in [c[1] for c in children(properties[3][1])], "the signer is in the seal's certificate list")
    start, end, when = properties[5][1].decode(), properties[6][1].decode(), tbs[2][1].decode()
    expect(start <= when <= end, "signed (%s) within the seal's validity %s..%s" % (when, start, end))
    expect(sm2_verifies(maker[1], seal_info[2], bits(seal_signature[1])), "the maker's SM2 signature on the seal")
    for who, leaf in (("signer", signer), ("maker", maker[1])):
        tbs_whole, _, algorithm, leaf_signature = tbs_parts(leaf)
        issued = algorithm[2:] in (b"\x06\x08" + SM2_WITH_SM3, b"\x06\x08" + SM2_WITH_SM3 + b"\x05\x00")
        issued = issued and sm2_verifies(root, tbs_whole, leaf_signature)
        expect(issued, "the %s's certificate is issued by the SM2 root" % who)


def otf_to_ttf(data):
    """The package's CFF font as TrueType: reportlab (easyofd's renderer) draws only TrueType."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(io.BytesIO(data))
    glyph_set, outlines = font.getGlyphSet(), {}
    for name in font.getGlyphOrder():
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        outlines[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = font.getGlyphOrder(), outlines
    del font["CFF "]
    font.sfntVersion = "\x00\x01\x00\x00"
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def page(path, package, url, expected):
    # easyofd extracts into (and then deletes) a folder named after the
    # working directory cut at its first dot: a fresh dot-free one.
    work = tempfile.mkdtemp(prefix="easyofd_", dir="/tmp")
    fonts = [n for n in package.namelist() if n.endswith(".otf")]
    expect(len(fonts) == 1, "one embedded font")
    with open(os.path.join(work, "font.ttf"), "wb") as f:
        f.write(otf_to_ttf(package.read(fonts[0])))
    os.chdir(work)
    from easyofd import OFD
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    # easyofd draws every text in 宋体: the package's own font, under that name.
    pdfmetrics.registerFont(TTFont("宋体", os.path.join(work, "font.ttf")))
    ofd = OFD()
    ofd.read(path, fmt="path")
    texts = [t["text"] for p in ofd.data[0]["page_info"].values() for t in p["text_list"]]
    for text in expected:
        expect(any(text in t for t in texts), "easyofd reads %r" % text)
    image = ofd.to_jpg()[0]
    png = os.environ.get("ECERT_KEEP_RENDER") or os.path.join(work, "page.png")
    image.save(png)
    expect(image.size[0] > 1000, "easyofd renders the page (%dx%d)" % image.size)
    read = subprocess.run(["zbarimg", "-q", "--raw", png], capture_output=True, text=True)
    expect(read.stdout.strip() == url, "zbarimg reads the QR code as %r (got %r)" % (url, read.stdout.strip()))


def main():
    path, root_pem, url, expected = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
    package = zipfile.ZipFile(path)
    try:
        seal(package, pem_der(root_pem))
    except (ValueError, KeyError, IndexError, AttributeError) as e:
        expect(False, "the seal structures read: %r" % e)
    if failures:
        sys.exit(1)  # a package that is not as sealed is not worth rendering
    page(path, package, url, expected)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
