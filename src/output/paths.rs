//! `paths.parquet`: each path's value of every target metric (and of any
//! metric asked for with `--keep-metric`), so that `compare` can pair two
//! result sets path by path and so that pandas, polars or DuckDB can open the
//! raw outcomes. One row per path, in path order; a `path` column (the path
//! number) then one float64 column per metric and year, named `metric@year`.
//! Written as the run streams (row groups of 16,384 paths), so memory does
//! not grow with the number of paths.

use crate::engine::PathSink;
use crate::model::Model;
use crate::scenario::Scenario;
use arrow_array::{ArrayRef, Float64Array, RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// Rows per Parquet row group: the writer holds one encoded group (16,384
/// rows of the baseline's 64 columns: 8 MB) before it reaches the disk;
/// 65,536 cost 19 MB more peak memory at 10^6 paths and were no faster.
const ROW_GROUP_ROWS: usize = 16_384;

/// File name of the per-path outcomes in a result set.
pub const PATHS_FILE: &str = "paths.parquet";

/// The column name of a metric in a year: `gdp.growth@2024`.
pub(crate) fn column_name(metric: &str, year: i32) -> String {
    format!("{metric}@{year}")
}

/// The values a run keeps per path: every target's metric and year, then
/// every year of each metric in `extra` (or one year, written `metric@year`),
/// without repeats. Returns (buffer index, column name) pairs.
pub(crate) fn kept_values(
    model: &Model,
    scenario: &Scenario,
    extra: &[String],
) -> Result<Vec<(usize, String)>, String> {
    let mut kept: Vec<(usize, String)> = Vec::new();
    let mut add = |index: usize, name: String| {
        if !kept.iter().any(|(i, _)| *i == index) {
            kept.push((index, name));
        }
    };
    for target in &scenario.targets {
        if let Some(def) = model.metrics.iter().find(|m| m.name == target.metric) {
            add(
                def.index(target.year),
                column_name(&target.metric, target.year),
            );
        }
    }
    for wanted in extra {
        let (name, year) = match wanted.split_once('@') {
            Some((name, year)) => {
                let year: i32 = year
                    .parse()
                    .map_err(|_| format!("--keep-metric {wanted}: `{year}` is not a year; write e.g. gdp.growth@2025"))?;
                (name, Some(year))
            }
            None => (wanted.as_str(), None),
        };
        let Some(def) = model.metrics.iter().find(|m| m.name == name) else {
            let names: Vec<&str> = model.metrics.iter().map(|m| m.name.as_str()).collect();
            return Err(format!(
                "--keep-metric {wanted}: this scenario has no metric `{name}`; {}",
                crate::scenario::error::suggestion(name, &names)
                    .replace("valid keys here are", "its metrics are")
            ));
        };
        match year {
            Some(y) if def.years.contains(&y) => add(def.index(y), column_name(name, y)),
            Some(y) => {
                return Err(format!(
                    "--keep-metric {wanted}: `{name}` exists only for {}-{}, not {y}",
                    def.years.start(),
                    def.years.end()
                ))
            }
            None => def
                .years
                .clone()
                .for_each(|y| add(def.index(y), column_name(name, y))),
        }
    }
    Ok(kept)
}

/// The per-path inputs a run keeps beside its outcomes, for scenario
/// discovery (`discover`) and for users' own analyses: every parameter drawn
/// once per path under its dotted key (`series.other_sectors.mean_growth`),
/// each programme's delivery as delivered ÷ planned (after a downturn's
/// effect and the shared execution factor) under its delivery key
/// (`programme.rental_housing.delivery`), and, with a regime, whether each
/// year was a downturn (`regime.downturn@2024`, 0 or 1) and the number of
/// downturn years over the horizon (`regime.downturn_years`). Returns
/// (buffer index, column name) pairs; an index at or beyond
/// `model.value_count` is an input slot ([`Model::input_slots`]).
pub(crate) fn input_values(model: &Model) -> Vec<(usize, String)> {
    let mut inputs: Vec<(usize, String)> = model
        .params
        .iter()
        .enumerate()
        .map(|(slot, p)| (model.value_count + slot, p.name.clone()))
        .collect();
    for p in &model.programmes {
        inputs.push((p.ratio_index, p.delivery_key.clone()));
    }
    if let Some(regime) = &model.regime {
        for t in 0..model.years {
            let year = model.base_year + 1 + t as i32;
            inputs.push((regime.metric_index + t, column_name(DOWNTURN_METRIC, year)));
        }
        inputs.push((
            model.value_count + model.params.len(),
            DOWNTURN_YEARS.to_string(),
        ));
    }
    inputs
}

/// The regime's metric, 1 in a downturn year and 0 otherwise.
pub(crate) const DOWNTURN_METRIC: &str = "regime.downturn";
/// The per-path input column counting a path's downturn years.
pub(crate) const DOWNTURN_YEARS: &str = "regime.downturn_years";

/// Streams blocks of per-path values into a Parquet file.
pub(crate) struct PathsWriter {
    writer: Option<ArrowWriter<File>>,
    schema: Arc<Schema>,
    rows: u64,
}

impl PathsWriter {
    /// Creates `file` with a `path` column and one float64 column per name in
    /// `columns`; `metadata` goes into the file's key-value metadata.
    pub(crate) fn create(
        file: &Path,
        columns: &[String],
        metadata: &[(&str, String)],
    ) -> Result<Self, String> {
        let mut fields = vec![Field::new("path", DataType::UInt64, false)];
        fields.extend(
            columns
                .iter()
                .map(|c| Field::new(c, DataType::Float64, false)),
        );
        let schema = Arc::new(
            Schema::new(fields).with_metadata(
                metadata
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            ),
        );
        let handle =
            File::create(file).map_err(|e| format!("cannot create {}: {e}", file.display()))?;
        // Row groups of at most 16,384 rows bound the writer's buffer; the path
        // numbers, consecutive, shrink to almost nothing with delta encoding.
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_dictionary_enabled(false)
            .set_column_encoding(ColumnPath::from("path"), Encoding::DELTA_BINARY_PACKED)
            .build();
        let writer = ArrowWriter::try_new(handle, schema.clone(), Some(properties))
            .map_err(|e| e.to_string())?;
        Ok(PathsWriter {
            writer: Some(writer),
            schema,
            rows: 0,
        })
    }

    /// Flushes and closes the file; returns the number of rows written.
    pub(crate) fn close(mut self) -> Result<u64, String> {
        if let Some(writer) = self.writer.take() {
            writer.close().map_err(|e| e.to_string())?;
        }
        Ok(self.rows)
    }
}

impl PathSink for PathsWriter {
    fn block(&mut self, first_path: u64, columns: Vec<Vec<f64>>) -> Result<(), String> {
        let rows = columns.first().map_or(0, Vec::len);
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(UInt64Array::from_iter_values(
            first_path..first_path + rows as u64,
        ))];
        arrays.extend(
            columns
                .into_iter()
                .map(|c| Arc::new(Float64Array::from(c)) as ArrayRef),
        );
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| e.to_string())?;
        let writer = self
            .writer
            .as_mut()
            .ok_or("the per-path file is already closed")?;
        writer.write(&batch).map_err(|e| e.to_string())?;
        self.rows += rows as u64;
        Ok(())
    }
}

/// Joins per-path files with the same columns, in the order given, into
/// `out`; returns the rows written. Streams record batches, so memory stays
/// flat however large the parts are.
pub(crate) fn concatenate(parts: &[std::path::PathBuf], out: &Path) -> Result<u64, String> {
    let mut writer: Option<ArrowWriter<File>> = None;
    let mut rows = 0u64;
    for part in parts {
        let handle =
            File::open(part).map_err(|e| format!("cannot open {}: {e}", part.display()))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(handle)
            .map_err(|e| format!("{} is not a readable Parquet file: {e}", part.display()))?
            .with_batch_size(65_536)
            .build()
            .map_err(|e| e.to_string())?;
        for batch in reader {
            if crate::engine::stop_requested() {
                return Err("interrupted".into());
            }
            let batch = batch.map_err(|e| format!("{} is damaged: {e}", part.display()))?;
            if writer.is_none() {
                let handle = File::create(out)
                    .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
                let properties = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                    .set_dictionary_enabled(false)
                    .set_column_encoding(ColumnPath::from("path"), Encoding::DELTA_BINARY_PACKED)
                    .build();
                writer = Some(
                    ArrowWriter::try_new(handle, batch.schema(), Some(properties))
                        .map_err(|e| e.to_string())?,
                );
            }
            rows += batch.num_rows() as u64;
            if let Some(w) = writer.as_mut() {
                w.write(&batch)
                    .map_err(|e| format!("cannot join {}: {e}", part.display()))?;
            }
        }
    }
    if let Some(w) = writer {
        w.close().map_err(|e| e.to_string())?;
    }
    Ok(rows)
}

/// The column names of a per-path file (without `path`).
#[cfg(test)]
fn read_column_names(file: &Path) -> Result<Vec<String>, String> {
    let handle = File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(handle)
        .map_err(|e| format!("{} is not a readable Parquet file: {e}", file.display()))?;
    Ok(builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| n != "path")
        .collect())
}

/// All values of column `name`, in path order.
pub fn read_column(file: &Path, name: &str) -> Result<Vec<f64>, String> {
    let handle = File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(handle)
        .map_err(|e| format!("{} is not a readable Parquet file: {e}", file.display()))?;
    let index = builder
        .schema()
        .fields()
        .iter()
        .position(|f| f.name() == name)
        .ok_or_else(|| format!("{} has no column `{name}`", file.display()))?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), [index]);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(65_536)
        .build()
        .map_err(|e| e.to_string())?;
    let mut values = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| format!("{} is damaged: {e}", file.display()))?;
        let column = batch
            .column(0)
            .as_any()
            .downcast_ref::<Float64Array>()
            .ok_or_else(|| format!("column `{name}` of {} is not float64", file.display()))?;
        values.extend(column.values().iter().copied());
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_blocks_and_reads_columns_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(PATHS_FILE);
        let names = vec![column_name("a.growth", 2024), column_name("b.level", 2025)];
        let mut writer = PathsWriter::create(&file, &names, &[("seed", "7".into())]).unwrap();
        writer
            .block(0, vec![vec![0.1, 0.2], vec![10.0, 11.0]])
            .unwrap();
        writer.block(2, vec![vec![0.3], vec![12.0]]).unwrap();
        assert_eq!(writer.close().unwrap(), 3);
        assert_eq!(read_column_names(&file).unwrap(), names);
        assert_eq!(
            read_column(&file, "a.growth@2024").unwrap(),
            vec![0.1, 0.2, 0.3]
        );
        assert_eq!(
            read_column(&file, "b.level@2025").unwrap(),
            vec![10.0, 11.0, 12.0]
        );
        assert!(read_column(&file, "nope@2024").is_err());
    }
}
