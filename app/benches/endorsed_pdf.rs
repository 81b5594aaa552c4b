//! Render + sign one endorsed certificate (one core), as the PDF the
//! workers make and as the sealed OFD made on demand (docs/ofd.md).
//! `cargo bench -p app --features ssr --bench endorsed_pdf`

use std::cell::Cell;
use std::path::Path;
use std::time::SystemTime;

use app::document::sample::{endorsement, face, holder_name, SEAL_NAME, VERIFY_URL};
use app::document::{
    pdf_date, render, CertificateFace, EndorsementBlock, Typeface, DEFAULT_FONT_INDEX, DEFAULT_FONT_PATH,
};
use app::signing::sm2::Sm2KeyRing;
use app::signing::{ofd::seal_package, sign_pdf, KeyRing};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let tf = Typeface::load(Path::new(DEFAULT_FONT_PATH), DEFAULT_FONT_INDEX).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ring = KeyRing::load_or_create(dir.path(), &[("mohrss", SEAL_NAME)]).unwrap();
    let key = ring.seal("mohrss").unwrap();
    // Every iteration is another holder and endorsement, as in production:
    // krilla memoizes font subsets and compressed streams (only the seal's
    // group is shared between copies), so the same copy again would be cheap.
    let next = Cell::new(0usize);
    // The next holder's (name, endorsement number, verification address).
    let next_copy = || {
        let n = next.get();
        next.set(n + 1);
        let number = format!("JZ2026112500000{n:07}");
        let url = format!("https://ecert.example.cn/v/{number}");
        (holder_name(n), number, url)
    };
    let render_next = || {
        let (name, number, url) = next_copy();
        let face = CertificateFace { holder_name: &name, ..face() };
        let e = EndorsementBlock { endorsement_number: &number, ..endorsement() };
        render(&tf, &face, Some(&e), Some(&url), pdf_date(1_764_550_800)).unwrap()
    };
    let one = || sign_pdf(render_next(), key, SystemTime::now(), "ecert 电子证书服务平台", "电子证书加注件").unwrap();
    let size = one().len();
    let unsigned = render(&tf, &face(), Some(&endorsement()), Some(VERIFY_URL), pdf_date(1_764_550_800)).unwrap();
    eprintln!("signed endorsed PDF: {size} bytes (unsigned {} bytes)", unsigned.len());

    let mut group = c.benchmark_group("endorsed_pdf");
    group.throughput(Throughput::Elements(1));
    group.bench_function("render_and_sign", |b| b.iter(|| std::hint::black_box(one())));
    group.bench_function("render_only", |b| b.iter(|| std::hint::black_box(render_next())));
    group.bench_function("sign_only", |b| {
        b.iter_batched(
            || unsigned.clone(),
            |pdf| std::hint::black_box(sign_pdf(pdf, key, SystemTime::now(), "ecert", "r").unwrap()),
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();

    // The OFD copy: the same page, a font subset with its character map, the
    // two pictures, the SM2 seal and signature, the ZIP.
    let sm2 = Sm2KeyRing::load_or_create(dir.path(), &[("mohrss", SEAL_NAME)]).unwrap();
    let (seal, maker) = (sm2.seal("mohrss").unwrap(), sm2.maker().unwrap());
    let ofd_next = || {
        let (name, number, url) = next_copy();
        let face = CertificateFace { holder_name: &name, ..face() };
        let e = EndorsementBlock { endorsement_number: &number, ..endorsement() };
        let draft = app::document::ofd::render(&tf, &face, Some(&e), Some(&url), &number, "2026-11-25").unwrap();
        seal_package(draft, seal, maker, SEAL_NAME, SystemTime::now()).unwrap()
    };
    eprintln!("sealed endorsed OFD: {} bytes", ofd_next().len());
    let mut group = c.benchmark_group("endorsed_ofd");
    group.throughput(Throughput::Elements(1));
    group.bench_function("render_and_seal", |b| b.iter(|| std::hint::black_box(ofd_next())));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
