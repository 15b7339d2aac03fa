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
use parquet::basic::{
    Compression, Encoding, IntType, LogicalType, Repetition, Type as PhysicalType,
};
use parquet::column::reader::ColumnReader;
use parquet::data_type::{DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::types::{ColumnPath, PrimitiveTypeBuilder, Type};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// Rows per Parquet row group: the writer holds one group's values (16,384
/// rows of the baseline's 64 columns: 8 MB) before it encodes them;
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

/// Streams blocks of per-path values into a Parquet file: a required
/// `path` column (INT64, unsigned: read as uint64 by pandas, polars, DuckDB)
/// then one required DOUBLE column per kept value, SNAPPY-compressed, in row
/// groups of [`ROW_GROUP_ROWS`] paths. Written with the `parquet` crate's
/// column writers, which need no Arrow arrays (and so no Arrow crates to
/// build: about a minute of a cold build on two cores).
pub(crate) struct PathsWriter {
    writer: Option<SerializedFileWriter<File>>,
    /// The next row group's first path number.
    group_first: u64,
    /// The next row group's blocks as the engine handed them, in path order,
    /// each column by column: encoded from there, never copied together.
    blocks: Vec<Vec<Vec<f64>>>,
    /// Values a path (columns after `path`).
    columns: usize,
    /// Rows in `blocks`.
    held: usize,
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
        fn required(name: &str, physical: PhysicalType) -> PrimitiveTypeBuilder<'_> {
            Type::primitive_type_builder(name, physical).with_repetition(Repetition::REQUIRED)
        }
        let mut fields = vec![Arc::new(
            required("path", PhysicalType::INT64)
                .with_logical_type(Some(LogicalType::Integer(IntType {
                    bit_width: 64,
                    is_signed: false,
                })))
                .build()
                .map_err(|e| e.to_string())?,
        )];
        for name in columns {
            fields.push(Arc::new(
                required(name, PhysicalType::DOUBLE)
                    .build()
                    .map_err(|e| e.to_string())?,
            ));
        }
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(|e| e.to_string())?;
        let handle =
            File::create(file).map_err(|e| format!("cannot create {}: {e}", file.display()))?;
        // The path numbers, consecutive, shrink to almost nothing with delta
        // encoding; random outcomes gain nothing from dictionaries.
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_dictionary_enabled(false)
            .set_column_encoding(ColumnPath::from("path"), Encoding::DELTA_BINARY_PACKED)
            .set_key_value_metadata(Some(
                metadata
                    .iter()
                    .map(|(k, v)| KeyValue::new(k.to_string(), v.clone()))
                    .collect(),
            ))
            .build();
        let writer = SerializedFileWriter::new(handle, Arc::new(schema), Arc::new(properties))
            .map_err(|e| e.to_string())?;
        Ok(PathsWriter {
            writer: Some(writer),
            group_first: 0,
            blocks: Vec::new(),
            columns: columns.len(),
            held: 0,
            rows: 0,
        })
    }

    /// Rows held for the next row group.
    fn held(&self) -> usize {
        self.held
    }

    /// Encodes and writes the rows held, as one row group.
    fn write_group(&mut self) -> Result<(), String> {
        let rows = self.held();
        if rows == 0 {
            return Ok(());
        }
        let writer = self
            .writer
            .as_mut()
            .ok_or("the per-path file is already closed")?;
        let error = |e: parquet::errors::ParquetError| e.to_string();
        let mut group = writer.next_row_group().map_err(error)?;
        let paths: Vec<i64> = (self.group_first..self.group_first + rows as u64)
            .map(|p| p as i64)
            .collect();
        write_column::<Int64Type>(&mut group, [paths.as_slice()])?;
        for column in 0..self.columns {
            let parts = self.blocks.iter().map(|block| block[column].as_slice());
            write_column::<DoubleType>(&mut group, parts)?;
        }
        group.close().map_err(error)?;
        self.blocks.clear();
        self.held = 0;
        self.group_first += rows as u64;
        Ok(())
    }

    /// Flushes and closes the file; returns the number of rows written.
    pub(crate) fn close(mut self) -> Result<u64, String> {
        self.write_group()?;
        if let Some(writer) = self.writer.take() {
            writer.close().map_err(|e| e.to_string())?;
        }
        Ok(self.rows)
    }
}

/// Writes the row group's next column, its values in `parts` one after
/// another. The bytes are those of one call with all of them while each part
/// but the last is a whole number of the writer's batches of 1,024 values
/// (blocks are 4,096 paths).
fn write_column<'v, T: parquet::data_type::DataType>(
    group: &mut SerializedRowGroupWriter<'_, File>,
    parts: impl IntoIterator<Item = &'v [T::T]>,
) -> Result<(), String> {
    let error = |e: parquet::errors::ParquetError| e.to_string();
    let mut column = group
        .next_column()
        .map_err(error)?
        .ok_or("the per-path file has fewer columns than values")?;
    let typed = column.typed::<T>();
    for values in parts {
        typed.write_batch(values, None, None).map_err(error)?;
    }
    column.close().map_err(error)
}

impl PathSink for PathsWriter {
    fn block(&mut self, first_path: u64, columns: Vec<Vec<f64>>) -> Result<(), String> {
        if columns.len() != self.columns {
            return Err(format!(
                "a block of {} columns for a per-path file of {}",
                columns.len(),
                self.columns
            ));
        }
        let rows = columns.first().map_or(0, Vec::len);
        let held = self.held();
        // A row group holds consecutive paths.
        if held > 0 && first_path != self.group_first + held as u64 {
            self.write_group()?;
        }
        if self.held() == 0 {
            self.group_first = first_path;
        }
        self.blocks.push(columns);
        self.held += rows;
        self.rows += rows as u64;
        if self.held() >= ROW_GROUP_ROWS {
            self.write_group()?;
        }
        Ok(())
    }
}

/// Opens a per-path file for reading.
fn open(file: &Path) -> Result<SerializedFileReader<File>, String> {
    let handle = File::open(file).map_err(|e| format!("cannot open {}: {e}", file.display()))?;
    SerializedFileReader::new(handle)
        .map_err(|e| format!("{} is not a readable Parquet file: {e}", file.display()))
}

/// The names of a file's columns, `path` first.
fn column_names(reader: &SerializedFileReader<File>) -> Vec<String> {
    reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect()
}

/// Appends the values of column `index` of row group `group` to `values`.
fn read_doubles(
    reader: &SerializedFileReader<File>,
    group: usize,
    index: usize,
    values: &mut Vec<f64>,
) -> Result<(), String> {
    let row_group = reader.get_row_group(group).map_err(|e| e.to_string())?;
    let rows = usize::try_from(row_group.metadata().num_rows()).unwrap_or(0);
    match row_group
        .get_column_reader(index)
        .map_err(|e| e.to_string())?
    {
        ColumnReader::DoubleColumnReader(mut column) => {
            let want = values.len() + rows;
            while values.len() < want {
                let (records, _, _) = column
                    .read_records(want - values.len(), None, None, values)
                    .map_err(|e| e.to_string())?;
                if records == 0 {
                    return Err(format!("row group {group} ends early"));
                }
            }
            Ok(())
        }
        _ => Err(format!("column {index} is not float64")),
    }
}

/// The first path number of row group `group` (its `path` column's first value).
fn first_path(reader: &SerializedFileReader<File>, group: usize) -> Result<u64, String> {
    let row_group = reader.get_row_group(group).map_err(|e| e.to_string())?;
    match row_group.get_column_reader(0).map_err(|e| e.to_string())? {
        ColumnReader::Int64ColumnReader(mut column) => {
            let mut paths = Vec::with_capacity(1);
            column
                .read_records(1, None, None, &mut paths)
                .map_err(|e| e.to_string())?;
            paths
                .first()
                .map(|&p| p as u64)
                .ok_or_else(|| format!("row group {group} is empty"))
        }
        _ => Err("the path column is not an integer".into()),
    }
}

/// Joins per-path files with the same columns, in the order given, into
/// `out`; returns the rows written. Row group by row group, so memory stays
/// flat however large the parts are.
pub(crate) fn concatenate(parts: &[std::path::PathBuf], out: &Path) -> Result<u64, String> {
    let mut writer: Option<PathsWriter> = None;
    let mut first_names: Option<Vec<String>> = None;
    for part in parts {
        let reader = open(part)?;
        let names = column_names(&reader);
        if names.first().map(String::as_str) != Some("path") {
            return Err(format!(
                "{} is not a per-path file: its first column is not `path`",
                part.display()
            ));
        }
        match &first_names {
            Some(first) if *first != names => {
                return Err(format!(
                    "{} has other columns than {}",
                    part.display(),
                    parts[0].display()
                ))
            }
            Some(_) => {}
            None => first_names = Some(names.clone()),
        }
        let writer = match writer.as_mut() {
            Some(writer) => writer,
            None => {
                let metadata: Vec<(&str, String)> = reader
                    .metadata()
                    .file_metadata()
                    .key_value_metadata()
                    .into_iter()
                    .flatten()
                    .map(|kv| (kv.key.as_str(), kv.value.clone().unwrap_or_default()))
                    .collect();
                writer.insert(PathsWriter::create(out, &names[1..], &metadata)?)
            }
        };
        for group in 0..reader.num_row_groups() {
            if crate::engine::stop_requested() {
                return Err("interrupted".into());
            }
            let damaged = |e: String| format!("{} is damaged: {e}", part.display());
            let first = first_path(&reader, group).map_err(damaged)?;
            let mut columns = Vec::with_capacity(names.len() - 1);
            for index in 1..names.len() {
                let mut values = Vec::new();
                read_doubles(&reader, group, index, &mut values).map_err(damaged)?;
                columns.push(values);
            }
            writer
                .block(first, columns)
                .map_err(|e| format!("cannot join {}: {e}", part.display()))?;
        }
    }
    match writer {
        Some(writer) => writer.close(),
        None => Ok(0),
    }
}

/// The column names of a per-path file (without `path`).
#[cfg(test)]
fn read_column_names(file: &Path) -> Result<Vec<String>, String> {
    Ok(column_names(&open(file)?)
        .into_iter()
        .filter(|n| n != "path")
        .collect())
}

/// All values of column `name`, in path order.
pub fn read_column(file: &Path, name: &str) -> Result<Vec<f64>, String> {
    let reader = open(file)?;
    let index = column_names(&reader)
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| format!("{} has no column `{name}`", file.display()))?;
    let mut values = Vec::new();
    for group in 0..reader.num_row_groups() {
        read_doubles(&reader, group, index, &mut values)
            .map_err(|e| format!("column `{name}` of {} cannot be read: {e}", file.display()))?;
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

    #[test]
    fn joins_parts_with_their_metadata_and_path_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec![column_name("a.growth", 2024)];
        let parts: Vec<std::path::PathBuf> = (0..2)
            .map(|k| dir.path().join(format!("{k}.parquet")))
            .collect();
        for (k, part) in parts.iter().enumerate() {
            let mut writer =
                PathsWriter::create(part, &names, &[("xuhui-sim.seed", "7".into())]).unwrap();
            // Paths 0-2 and 10-12: a row group holds consecutive paths only.
            let first = 10 * k as u64;
            writer
                .block(first, vec![vec![first as f64, first as f64 + 1.0]])
                .unwrap();
            writer
                .block(first + 2, vec![vec![first as f64 + 2.0]])
                .unwrap();
            assert_eq!(writer.close().unwrap(), 3);
        }
        let joined = dir.path().join(PATHS_FILE);
        assert_eq!(concatenate(&parts, &joined).unwrap(), 6);
        assert_eq!(
            read_column(&joined, "a.growth@2024").unwrap(),
            vec![0.0, 1.0, 2.0, 10.0, 11.0, 12.0]
        );
        let reader = open(&joined).unwrap();
        let seed = reader
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .unwrap()
            .iter()
            .find(|kv| kv.key == "xuhui-sim.seed")
            .and_then(|kv| kv.value.clone());
        assert_eq!(seed.as_deref(), Some("7"));
        let firsts: Vec<u64> = (0..reader.num_row_groups())
            .map(|g| first_path(&reader, g).unwrap())
            .collect();
        assert_eq!(
            firsts,
            vec![0, 10],
            "a row group per run of consecutive paths"
        );
    }
}
