//! Identity documents: the link between an account and its certificates,
//! created by whichever of the two names the document first.

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
