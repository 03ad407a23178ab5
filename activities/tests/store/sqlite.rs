//! What only the SQLite store needs: several processes opening one new file at once (the
//! worker and a command started beside it) all find it migrated.

use chaser_activities::store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stores_opening_one_new_file_at_once_all_come_up() {
    for round in 0..5 {
        let (url, _dir) = crate::fixtures::fresh_sqlite(&format!("concurrent-{round}"));
        let opened = futures::future::join_all((0..6).map(|_| {
            let url = url.clone();
            tokio::spawn(async move { Store::connect(&url).await.map(|_| ()) })
        }))
        .await;
        for result in opened {
            let result = result.unwrap().map_err(|e| e.to_string());
            assert_eq!(result, Ok(()), "round {round}");
        }
    }
}
