//! A fresh database per test: a temporary SQLite file, or a new Postgres database.

use chaser_activities::store::Store;

/// Where Postgres tests create their databases; CI runs Postgres on 127.0.0.1:5432.
fn postgres_admin_url() -> String {
    std::env::var("CHASER_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub struct TestDb {
    pub store: Store,
    /// For a second connection, as another process would open.
    pub url: String,
    cleanup: Option<(String, String)>,
    _dir: Option<std::path::PathBuf>,
}

impl TestDb {
    pub async fn sqlite(name: &str) -> TestDb {
        let (url, dir) = crate::fixtures::fresh_sqlite(name);
        TestDb {
            store: Store::connect(&url).await.unwrap(),
            url,
            cleanup: None,
            _dir: Some(dir),
        }
    }

    pub async fn postgres(name: &str) -> TestDb {
        use sqlx::Connection;
        let admin = postgres_admin_url();
        let db = format!("chaser_store_{}_{name}", std::process::id());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("Postgres at {admin} is required for store tests: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists {db}")))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {db}")))
            .execute(&mut conn)
            .await
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let url = format!("{base}/{db}");
        let store = Store::connect(&url).await.unwrap();
        TestDb {
            store,
            url,
            cleanup: Some((admin, db)),
            _dir: None,
        }
    }

    pub async fn drop(self) {
        self.store.close().await;
        if let Some((admin, db)) = self.cleanup {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("drop database if exists {db}")))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
}

/// Runs one contract test against both backends.
macro_rules! both_backends {
    ($name:ident, with_url) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let db = crate::backends::TestDb::sqlite(stringify!($name)).await;
                super::$name(&db.store, &db.url).await;
                db.drop().await;
            }

            #[tokio::test]
            async fn postgres() {
                let db = crate::backends::TestDb::postgres(stringify!($name)).await;
                super::$name(&db.store, &db.url).await;
                db.drop().await;
            }
        }
    };
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                let db = crate::backends::TestDb::sqlite(stringify!($name)).await;
                super::$name(&db.store).await;
                db.drop().await;
            }

            #[tokio::test]
            async fn postgres() {
                let db = crate::backends::TestDb::postgres(stringify!($name)).await;
                super::$name(&db.store).await;
                db.drop().await;
            }
        }
    };
}
pub(crate) use both_backends;
