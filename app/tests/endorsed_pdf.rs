//! The endorsed PDF checked by independent tools: poppler-utils (pdfsig,
//! pdftotext, pdftoppm), zbar-tools (zbarimg), openssl, qpdf, and from PyPI
//! outloud (PDF/UA), pikepdf (PDF/A) and pyHanko (scripts/tools/check_archival.py).
#![cfg(feature = "ssr")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

use app::document::sample::{endorsement, face, SEAL_NAME, VERIFY_URL as URL};
use app::document::{pdf_date, render, Typeface, DEFAULT_FONT_INDEX, DEFAULT_FONT_PATH};
use app::signing::{sign_pdf, KeyRing};

fn typeface() -> &'static Typeface {
    static TF: OnceLock<Typeface> = OnceLock::new();
    TF.get_or_init(|| Typeface::load(Path::new(DEFAULT_FONT_PATH), DEFAULT_FONT_INDEX).unwrap())
}

struct Signed {
    dir: tempfile::TempDir,
    pdf: PathBuf,
    bytes: Vec<u8>,
    anchors: Vec<x509_cert::Certificate>,
}

fn make(endorsed: bool) -> Signed {
    let dir = tempfile::tempdir().unwrap();
    let ring = KeyRing::load_or_create(&dir.path().join("keys"), &[("mohrss", SEAL_NAME)]).unwrap();
    let e = endorsement();
    let unsigned = render(typeface(), &face(), endorsed.then_some(&e), Some(URL), pdf_date(1_764_550_800)).unwrap();
    let bytes =
        sign_pdf(unsigned, ring.seal("mohrss").unwrap(), SystemTime::now(), "ecert 电子证书服务平台", "电子证书加注件")
            .unwrap();
    let pdf = dir.path().join("cert.pdf");
    std::fs::write(&pdf, &bytes).unwrap();
    // ECERT_KEEP_PDF=<dir> keeps a copy to look at.
    if let Ok(keep) = std::env::var("ECERT_KEEP_PDF") {
        let name = if endorsed { "endorsed.pdf" } else { "legacy.pdf" };
        std::fs::write(Path::new(&keep).join(name), &bytes).unwrap();
    }
    Signed { dir, pdf, bytes, anchors: ring.trust_anchors().to_vec() }
}

fn run(program: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (poppler-utils / zbar-tools / openssl installed?): {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn pdfsig(path: &Path) -> String {
    run("pdfsig", &[path.to_str().unwrap()]).1
}

fn byte_range(bytes: &[u8]) -> [usize; 4] {
    let text = String::from_utf8_lossy(bytes);
    let at = text.rfind("/ByteRange [").expect("a ByteRange") + 12;
    let end = at + text[at..].find(']').unwrap();
    let v: Vec<usize> = text[at..end].split_whitespace().map(|n| n.parse().unwrap()).collect();
    [v[0], v[1], v[2], v[3]]
}

#[test]
fn pdfsig_reports_valid_and_whole_document_signed() {
    let s = make(true);
    let out = pdfsig(&s.pdf);
    assert!(out.contains("Signature is Valid."), "{out}");
    assert!(out.contains("Total document signed"), "{out}");
    assert!(out.contains("adbe.pkcs7.detached"), "{out}");
    assert!(out.contains(SEAL_NAME), "signer CN shown: {out}");
}

/// The PyPI checkers' virtualenv, made by scripts/setup.sh.
fn checker(tool: &str) -> String {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/tools/.venv/bin");
    let path = venv.join(tool);
    assert!(path.exists(), "{} missing: run scripts/setup.sh", path.display());
    path.to_string_lossy().into_owned()
}

/// PDF/A-2b and PDF/UA-1, as made and after the signature: the update keeps
/// the trailer /ID and puts the widget (/F 132, /TU) in a /Form element.
#[test]
fn archival_and_accessible_after_signing() {
    for endorsed in [true, false] {
        let s = make(endorsed);
        let file = s.pdf.to_str().unwrap();
        let (ok, out) = run("qpdf", &["--check", file]);
        assert!(ok && out.contains("No syntax or stream encoding errors"), "qpdf --check: {out}");
        // Warnings fail too: untagged content is only a warning there.
        let (ok, out) = run(&checker("outloud"), &["--fail-on", "warning", file]);
        assert!(ok, "outloud (PDF/UA): {out}");
        let root = s.dir.path().join("keys/ca/root.crt.pem");
        let (ok, out) = run(&checker("python"), &[CHECK_ARCHIVAL, file, root.to_str().unwrap()]);
        assert!(ok, "check_archival.py:\n{out}");
    }
}

const CHECK_ARCHIVAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/tools/check_archival.py");

/// The checkers are not fooled: a widget without its structure parent and
/// its /TU name (as our signature wrote it before) fails them.
#[test]
fn the_checkers_refuse_an_untagged_widget() {
    let s = make(true);
    // The same file with the widget's structure entries removed, as before this update.
    let text = s.bytes.clone();
    let needle = b" /StructParent ";
    // The last one is the widget's (in the signature's update, after krilla's link).
    let at = text.windows(needle.len()).rposition(|w| w == needle).expect("the widget's /StructParent");
    let mut broken = text.clone();
    // Same length: rename the key so the offsets stay right.
    broken[at + 2..at + needle.len() - 1].copy_from_slice(b"StructParenX");
    // And its name for assistive technology.
    let at = broken.windows(5).rposition(|w| w == b" /TU ").expect("the widget's /TU");
    broken[at + 2..at + 4].copy_from_slice(b"TX");
    let path = s.dir.path().join("untagged-widget.pdf");
    std::fs::write(&path, &broken).unwrap();
    let root = s.dir.path().join("keys/ca/root.crt.pem");
    let (ok, out) = run(&checker("python"), &[CHECK_ARCHIVAL, path.to_str().unwrap(), root.to_str().unwrap()]);
    assert!(!ok && out.contains("FAIL  widget has a /StructParent"), "{out}");
    let (ok, out) = run(&checker("outloud"), &["--fail-on", "warning", path.to_str().unwrap()]);
    // FRM-001: a form field without a /TU name.
    assert!(!ok && out.contains("FRM-"), "outloud should refuse a widget without its name: {out}");
}

#[test]
fn flipping_one_signed_byte_breaks_the_signature() {
    let s = make(true);
    let [_, len1, start2, len2] = byte_range(&s.bytes);
    // One byte in each signed range, separately.
    for pos in [len1 / 2, start2 + len2 / 3] {
        let mut bytes = s.bytes.clone();
        bytes[pos] ^= 0x01;
        let path = s.dir.path().join(format!("flipped-{pos}.pdf"));
        std::fs::write(&path, &bytes).unwrap();
        let out = pdfsig(&path);
        assert!(!out.contains("Signature is Valid."), "byte {pos}: {out}");
    }
}

/// Our verifier (app::verify, used by 证书查验) and poppler agree on the
/// copy as made, on changed bytes in either signed range, and on bytes
/// appended after signing. Inside the signature container we are stricter:
/// poppler ignores a changed byte in a certificate it does not use, we
/// refuse any change.
#[test]
fn our_verifier_agrees_with_pdfsig() {
    let s = make(true);
    let [_, len1, start2, len2] = byte_range(&s.bytes);
    let mut variants: Vec<(String, Vec<u8>)> = vec![("as made".into(), s.bytes.clone())];
    for pos in [100, len1 / 2, start2 + len2 / 2] {
        let mut bytes = s.bytes.clone();
        bytes[pos] = if bytes[pos] == b'7' { b'8' } else { b'7' };
        variants.push((format!("byte {pos} changed"), bytes));
    }
    let mut appended = s.bytes.clone();
    appended.extend_from_slice(b"\n% a note added later\n");
    variants.push(("bytes appended".into(), appended));

    for (what, bytes) in variants {
        let path = s.dir.path().join("variant.pdf");
        std::fs::write(&path, &bytes).unwrap();
        let out = pdfsig(&path);
        let poppler_ok = out.contains("Signature is Valid.") && out.contains("Total document signed");
        let ours = app::pdf_signature::check_pdf(&bytes, &s.anchors, SystemTime::now());
        assert_eq!(ours.file.problem.is_none(), poppler_ok, "{what}: ours {:?}, pdfsig:\n{out}", ours.file);
        let intact = out.contains("Signature is Valid.");
        assert_eq!(ours.file.signature_valid, intact, "{what}: signature_valid vs pdfsig:\n{out}");
    }

    let mut in_container = s.bytes.clone();
    let pos = len1 + 200;
    in_container[pos] = if in_container[pos] == b'7' { b'8' } else { b'7' };
    assert!(app::pdf_signature::check_pdf(&in_container, &s.anchors, SystemTime::now()).file.problem.is_some());
}

#[test]
fn text_extracts_and_seal_text_stays_out_of_it() {
    let s = make(true);
    let (ok, text) = run("pdftotext", &["-enc", "UTF-8", s.pdf.to_str().unwrap(), "-"]);
    assert!(ok, "{text}");
    let f = face();
    for expected in [
        f.holder_name,
        f.qualification,
        f.id_number,
        f.certificate_number,
        f.management_number,
        f.authority,
        "加注信息",
        endorsement().endorsement_number,
        "2026-11-25 至 2027-02-22",
        "本人调用",
        URL,
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // The seal's ring text is drawn as outlines.
    assert!(!text.contains("专用章"), "seal text leaked into:\n{text}");
}

#[test]
fn qr_code_decodes_to_the_verify_url() {
    let s = make(true);
    let prefix = s.dir.path().join("page");
    let (ok, out) =
        run("pdftoppm", &["-r", "150", "-png", "-singlefile", s.pdf.to_str().unwrap(), prefix.to_str().unwrap()]);
    assert!(ok, "{out}");
    let png = s.dir.path().join("page.png");
    let out = Command::new("zbarimg").args(["-q", "--raw", png.to_str().unwrap()]).output().unwrap();
    let decoded = String::from_utf8_lossy(&out.stdout);
    assert_eq!(decoded.trim_end_matches('\n'), URL);
}

#[test]
fn qr_codes_of_other_lengths_decode_too() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "https://e.cn/v/1",
        "http://127.0.0.1:3000/verify/JZ20261125000123",
        "https://ecert.example.gov.cn/public/verification/endorsement/JZ2026112500012345?lang=zh-CN&check=0f3a9c",
    ] {
        let pdf = render(typeface(), &face(), None, Some(url), pdf_date(1_764_550_800)).unwrap();
        let path = dir.path().join("q.pdf");
        std::fs::write(&path, pdf).unwrap();
        let prefix = dir.path().join("q");
        let (ok, out) =
            run("pdftoppm", &["-r", "150", "-png", "-singlefile", path.to_str().unwrap(), prefix.to_str().unwrap()]);
        assert!(ok, "{out}");
        let out =
            Command::new("zbarimg").args(["-q", "--raw", dir.path().join("q.png").to_str().unwrap()]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end_matches('\n'), url);
    }
}

#[test]
fn legacy_certificate_without_endorsement_signs_and_verifies() {
    let s = make(false);
    let out = pdfsig(&s.pdf);
    assert!(out.contains("Signature is Valid."), "{out}");
    assert!(out.contains("Total document signed"), "{out}");
    let (_, text) = run("pdftotext", &["-enc", "UTF-8", s.pdf.to_str().unwrap(), "-"]);
    assert!(text.contains("欧阳明月"), "{text}");
    assert!(!text.contains("加注信息"), "{text}");
}

#[test]
fn openssl_cms_verifies_against_the_root() {
    let s = make(true);
    let [a, b, c, d] = byte_range(&s.bytes);
    assert_eq!(a, 0);
    let mut content = s.bytes[..b].to_vec();
    content.extend_from_slice(&s.bytes[c..c + d]);
    let hex = &s.bytes[b + 1..c - 1];
    let hex = std::str::from_utf8(hex).unwrap();
    let der: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    let der = trim_der(&der);
    let dir = s.dir.path();
    std::fs::write(dir.join("content.bin"), &content).unwrap();
    std::fs::write(dir.join("sig.der"), der).unwrap();
    let root = dir.join("keys/ca/root.crt.pem");
    let verify = |content: &str| {
        run(
            "openssl",
            &[
                "cms",
                "-verify",
                "-inform",
                "DER",
                "-in",
                dir.join("sig.der").to_str().unwrap(),
                "-binary",
                "-content",
                dir.join(content).to_str().unwrap(),
                "-CAfile",
                root.to_str().unwrap(),
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ],
        )
    };
    let (ok, out) = verify("content.bin");
    assert!(ok && out.contains("Verification successful"), "{out}");

    content[100] ^= 1;
    std::fs::write(dir.join("tampered.bin"), &content).unwrap();
    let (ok, out) = verify("tampered.bin");
    assert!(!ok, "tampered content verified: {out}");
}

/// The DER object at the start of `bytes` (drops the zero padding).
fn trim_der(bytes: &[u8]) -> &[u8] {
    assert_eq!(bytes[0], 0x30);
    let (len, header) = match bytes[1] {
        n if n < 0x80 => (n as usize, 2),
        0x81 => (bytes[2] as usize, 3),
        0x82 => (((bytes[2] as usize) << 8) | bytes[3] as usize, 4),
        0x83 => (((bytes[2] as usize) << 16) | ((bytes[3] as usize) << 8) | bytes[4] as usize, 5),
        n => panic!("length form {n:#x}"),
    };
    &bytes[..header + len]
}
