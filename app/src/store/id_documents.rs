//! Identity documents: the link between an account and its certificates,
//! created by whichever of the two names the document first.

use std::collections::HashMap;

use sqlx::AnyConnection;

use crate::domain::id_document::IdType;

/// The id of the (type, number) document, created if missing.
pub(super) async fn upsert(conn: &mut AnyConnection, id_type: IdType, id_number: &str) -> sqlx::Result<i64> {
    // The no-op update makes RETURNING answer for an existing row too.
    sqlx::query_scalar(
        "INSERT INTO id_documents (id_type, id_number) VALUES ($1, $2)
         ON CONFLICT (id_type, id_number) DO UPDATE SET id_type = excluded.id_type
         RETURNING id",
    )
    .bind(id_type.code())
    .bind(id_number)
    .fetch_one(conn)
    .await
}

/// The ids of many documents at once (a chunk of an import), created where
/// missing, by (type code, number). Two statements for the whole chunk: one
/// statement per row made 100,000 rows take 10 s.
pub(super) async fn upsert_many(
    conn: &mut AnyConnection,
    documents: &[(IdType, &str)],
) -> sqlx::Result<HashMap<(String, String), i64>> {
    let pairs = super::placeholders(documents.len(), 2);
    let sql = format!(
        "INSERT INTO id_documents (id_type, id_number) VALUES {pairs}
         ON CONFLICT (id_type, id_number) DO NOTHING"
    );
    let mut insert = sqlx::query(&sql);
    for (id_type, number) in documents {
        insert = insert.bind(id_type.code()).bind(*number);
    }
    insert.execute(&mut *conn).await?;
    let sql = format!("SELECT id, id_type, id_number FROM id_documents WHERE (id_type, id_number) IN (VALUES {pairs})");
    let mut select = sqlx::query_as::<_, (i64, String, String)>(&sql);
    for (id_type, number) in documents {
        select = select.bind(id_type.code()).bind(*number);
    }
    Ok(select.fetch_all(conn).await?.into_iter().map(|(id, t, n)| ((t, n), id)).collect())
}
