//! Render + sign one endorsed certificate (one core).
//! `cargo bench -p app --features ssr --bench endorsed_pdf`

use std::path::Path;
use std::time::SystemTime;

use app::document::{render, CertificateFace, EndorsementBlock, Typeface, DEFAULT_FONT_INDEX, DEFAULT_FONT_PATH};
use app::signing::{sign_pdf, KeyRing};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn bench(c: &mut Criterion) {
    let tf = Typeface::load(Path::new(DEFAULT_FONT_PATH), DEFAULT_FONT_INDEX).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let seal_name = "中华人民共和国人力资源和社会保障部";
    let ring = KeyRing::load_or_create(dir.path(), &[("mohrss", seal_name)]).unwrap();
    let key = ring.seal("mohrss").unwrap();
    let face = CertificateFace {
        holder_name: "欧阳明月",
        id_type: "居民身份证",
        id_number: "11010119900307123X",
        qualification: "注册安全工程师",
        specialty: Some("化工安全"),
        certificate_number: "0012345678",
        management_number: "AQ2023110100123",
        issued_on: "2023年05月20日",
        authority: seal_name,
        seal_name,
    };
    let e = EndorsementBlock {
        made_at: "2026-11-25 14:03:09",
        made_by: "ecert 电子证书服务平台",
        purpose: "本人调用",
        valid_from: "2026-11-25",
        valid_until: "2027-02-22",
        endorsement_number: "JZ2026112500012345",
    };
    let url = "https://ecert.example.cn/verify/JZ2026112500012345";
    let one = || {
        let pdf = render(&tf, &face, Some(&e), Some(url)).unwrap();
        sign_pdf(pdf, key, SystemTime::now(), "ecert 电子证书服务平台", "电子证书加注件").unwrap()
    };
    let size = one().len();
    let unsigned = render(&tf, &face, Some(&e), Some(url)).unwrap();
    eprintln!("signed endorsed PDF: {size} bytes (unsigned {} bytes)", unsigned.len());

    let mut group = c.benchmark_group("endorsed_pdf");
    group.throughput(Throughput::Elements(1));
    group.bench_function("render_and_sign", |b| b.iter(|| std::hint::black_box(one())));
    group.bench_function("render_only", |b| {
        b.iter(|| std::hint::black_box(render(&tf, &face, Some(&e), Some(url)).unwrap()))
    });
    group.bench_function("sign_only", |b| {
        b.iter_batched(
            || unsigned.clone(),
            |pdf| std::hint::black_box(sign_pdf(pdf, key, SystemTime::now(), "ecert", "r").unwrap()),
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
