//! The OFD copy checked by independent tools (scripts/tools/check_ofd.py):
//! gmssl (pure-Python SM2/SM3) recomputes every digest and verifies the
//! electronic seal and its chain, easyofd opens and renders the page, and
//! zbarimg reads the QR code from the render. A changed, added or removed
//! file, or a swapped seal, fails gmssl's check as it fails ours.
#![cfg(feature = "ssr")]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use app::document::sample::{endorsement, face, SEAL_NAME, VERIFY_URL as URL};
use app::document::{ofd, Typeface, DEFAULT_FONT_INDEX, DEFAULT_FONT_PATH};
use app::signing::ofd::seal_package;
use app::signing::sm2::Sm2KeyRing;

const CHECK_OFD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/tools/check_ofd.py");

struct Sealed {
    dir: tempfile::TempDir,
    path: PathBuf,
    bytes: Vec<u8>,
    ring: Sm2KeyRing,
}

fn make() -> Sealed {
    let dir = tempfile::tempdir().unwrap();
    let ring =
        Sm2KeyRing::load_or_create(&dir.path().join("keys"), &[("mohrss", SEAL_NAME), ("cba", "银行业协会")]).unwrap();
    let typeface = Typeface::load(Path::new(DEFAULT_FONT_PATH), DEFAULT_FONT_INDEX).unwrap();
    let e = endorsement();
    let draft = ofd::render(&typeface, &face(), Some(&e), Some(URL), "doc-1", "2026-12-05").unwrap();
    let bytes =
        seal_package(draft, ring.seal("mohrss").unwrap(), ring.maker().unwrap(), SEAL_NAME, SystemTime::now()).unwrap();
    let path = dir.path().join("copy.ofd");
    std::fs::write(&path, &bytes).unwrap();
    // ECERT_KEEP_OFD=<dir> keeps a copy to look at.
    if let Ok(keep) = std::env::var("ECERT_KEEP_OFD") {
        std::fs::write(Path::new(&keep).join("endorsed.ofd"), &bytes).unwrap();
    }
    Sealed { dir, path, bytes, ring }
}

/// check_ofd.py on `file`: (passed, its report).
fn check(s: &Sealed, file: &Path) -> (bool, String) {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/tools/.venv/bin/python");
    assert!(python.exists(), "{} missing: run scripts/setup.sh", python.display());
    let root = s.dir.path().join("keys/sm2/ca/root.crt.pem");
    let (f, e) = (face(), endorsement());
    let out = Command::new(python)
        .arg(CHECK_OFD)
        .args([file.to_str().unwrap(), root.to_str().unwrap(), URL])
        .args([f.holder_name, f.certificate_number, e.endorsement_number, "加注信息"])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn easyofd_renders_it_zbarimg_reads_its_code_and_gmssl_verifies_its_seal() {
    let s = make();
    let (ok, out) = check(&s, &s.path);
    assert!(ok, "check_ofd.py:\n{out}");
}

/// The package with `change` made to its files (name → bytes, in order).
fn altered(s: &Sealed, name: &str, change: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) -> PathBuf {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&s.bytes)).unwrap();
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        files.push((file.name().unwrap().to_string(), bytes));
    }
    change(&mut files);
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, bytes) in &files {
        out.start_file(path.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(bytes).unwrap();
    }
    let path = s.dir.path().join(name);
    std::fs::write(&path, out.finish().unwrap().into_inner()).unwrap();
    path
}

#[test]
fn gmssl_refuses_a_changed_added_or_removed_file_and_a_swapped_seal() {
    let s = make();
    let flip = |file: &'static str| {
        move |files: &mut Vec<(String, Vec<u8>)>| {
            let bytes = &mut files.iter_mut().find(|(n, _)| n == file).unwrap().1;
            let at = bytes.len() / 2;
            bytes[at] ^= 0x01;
        }
    };
    // Another seal, validly made, in place of this copy's.
    let other = {
        let draft = ofd::render(
            &Typeface::load(Path::new(DEFAULT_FONT_PATH), DEFAULT_FONT_INDEX).unwrap(),
            &face(),
            Some(&endorsement()),
            Some(URL),
            "doc-2",
            "2026-12-05",
        )
        .unwrap();
        let bytes =
            seal_package(draft, s.ring.seal("cba").unwrap(), s.ring.maker().unwrap(), "银行业协会", SystemTime::now())
                .unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut esl = Vec::new();
        archive.by_name(app::signing::ofd::SEAL).unwrap().read_to_end(&mut esl).unwrap();
        esl
    };
    let cases: Vec<(&str, PathBuf)> = vec![
        ("page", altered(&s, "page.ofd", flip("Doc_0/Pages/Page_0/Content.xml"))),
        ("font", altered(&s, "font.ofd", flip("Doc_0/Res/font_2.otf"))),
        ("QR picture", altered(&s, "qr.ofd", flip("Doc_0/Res/qr_3.png"))),
        ("seal", altered(&s, "seal.ofd", flip(app::signing::ofd::SEAL))),
        ("signed value", altered(&s, "value.ofd", flip(app::signing::ofd::SIGNED_VALUE))),
        ("added file", altered(&s, "added.ofd", |f| f.push(("Doc_0/Res/extra.png".into(), b"x".to_vec())))),
        ("removed file", altered(&s, "removed.ofd", |f| f.retain(|(n, _)| n != "Doc_0/Res/qr_3.png"))),
        (
            "swapped seal",
            altered(&s, "swapped.ofd", |f| f.iter_mut().find(|(n, _)| n == app::signing::ofd::SEAL).unwrap().1 = other),
        ),
    ];
    for (what, path) in cases {
        let (ok, out) = check(&s, &path);
        assert!(!ok, "a changed {what} passed check_ofd.py:\n{out}");
        assert!(out.contains("FAIL"), "{what}: {out}");
    }
}
