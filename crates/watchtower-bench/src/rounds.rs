//! Several rounds of one benchmark scenario folded into one result (`rust-peers --rounds`).
//!
//! ```
//! use serde_json::json;
//! let runs = vec![json!({"ns": 3.0}), json!({"ns": 1.0}), json!({"ns": 2.0})];
//! let one = watchtower_bench::rounds::median_of_rounds(runs);
//! assert_eq!(one["ns"], json!(2.0));
//! assert_eq!(one["rounds"].as_array().unwrap().len(), 3);
//! ```

use serde_json::{json, Value};

/// One scenario's runs folded into one result: each number the median of its rounds (of the
/// rounds without an error, if any has none), every round kept under `rounds`.
pub fn median_of_rounds(runs: Vec<Value>) -> Value {
    if runs.len() < 2 {
        return runs.into_iter().next().unwrap_or(Value::Null);
    }
    let good: Vec<&Value> = runs.iter().filter(|r| r.get("error").is_none()).collect();
    let pool: Vec<&Value> = if good.is_empty() {
        runs.iter().collect()
    } else {
        good
    };
    let mut out = pool[0].clone();
    if let Some(fields) = out.as_object_mut() {
        for (key, value) in fields.iter_mut() {
            if !value.is_number() {
                continue;
            }
            let mut values: Vec<f64> = pool
                .iter()
                .filter_map(|r| r.get(key).and_then(Value::as_f64))
                .collect();
            values.sort_by(f64::total_cmp);
            if let Some(&median) = values.get(values.len() / 2) {
                *value = json!(median);
            }
        }
        fields.insert("rounds".into(), Value::Array(runs));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_number_is_the_median_of_the_rounds_without_an_error() {
        let runs = vec![
            json!({"scenario": "s", "cpu": 0.5, "e2e": 10.0}),
            json!({"scenario": "s", "error": "no result"}),
            json!({"scenario": "s", "cpu": 0.3, "e2e": 30.0}),
            json!({"scenario": "s", "cpu": 0.4, "e2e": 20.0}),
        ];
        let one = median_of_rounds(runs);
        assert_eq!(
            (one["cpu"].as_f64(), one["e2e"].as_f64()),
            (Some(0.4), Some(20.0))
        );
        assert_eq!(one["scenario"], "s");
        assert!(one.get("error").is_none());
        assert_eq!(one["rounds"].as_array().map(Vec::len), Some(4));
    }

    #[test]
    fn one_round_is_kept_as_it_is() {
        let one = median_of_rounds(vec![json!({"cpu": 0.5})]);
        assert_eq!(one, json!({"cpu": 0.5}));
    }
}
