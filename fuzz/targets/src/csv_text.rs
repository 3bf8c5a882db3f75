//! CSV files with secrets in one column: the file rewritten with that column's cells rotated
//! ([`crate::check::rotate`]), so a target can run its parser again and tell an echoed secret
//! from fixed text that happens to match.

use csv::{ReaderBuilder, StringRecord, WriterBuilder};

use crate::check;

/// Which column holds the secrets.
#[derive(Debug, Clone, Copy)]
pub enum Column {
    /// The file has a header; the column is the first whose name this accepts.
    Named(fn(&str) -> bool),
    /// No header, and `#` starts a comment line, as the headerless token CSVs are read (Duo,
    /// privacyIDEA): the column at this index, in every row. Comments must be skipped here
    /// too, or a quote in a comment shifts every later cell and the "secret" rotated is
    /// another column (campaign finding 7, a harness error).
    At(usize),
}

/// The file rewritten with every cell of `column` rotated, and the cells (before, after);
/// `None` when the csv crate cannot read it (then the parser's error names no cell).
pub fn rotate_column(text: &str, column: Column) -> Option<(String, Vec<(String, String)>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(matches!(column, Column::At(_)).then_some(b'#'))
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let mut writer = WriterBuilder::new().flexible(true).from_writer(Vec::new());
    let index = match column {
        Column::Named(accepts) => {
            let header: StringRecord = rows.next()?.ok()?;
            writer.write_record(&header).ok()?;
            header.iter().position(|h| accepts(h.trim()))?
        }
        Column::At(i) => i,
    };
    let mut material = Vec::new();
    for row in rows {
        let row = row.ok()?;
        let mut cells: Vec<String> = row.iter().map(str::to_string).collect();
        if let Some(cell) = cells.get_mut(index) {
            let rotated = check::rotate(cell);
            material.push((std::mem::replace(cell, rotated.clone()), rotated));
        }
        writer.write_record(&cells).ok()?;
    }
    let bytes = writer.into_inner().ok()?;
    Some((String::from_utf8(bytes).ok()?, material))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_one_column_by_name_or_place() {
        let (text, material) =
            rotate_column("a,Secret\r\n1,AB2\r\n", Column::Named(|h| h == "Secret")).unwrap();
        assert_eq!(text, "a,Secret\n1,BC2\n");
        assert_eq!(material, vec![("AB2".to_string(), "BC2".to_string())]);
        let (text, _) = rotate_column("x,ab\ny,cd\n", Column::At(1)).unwrap();
        assert_eq!(text, "x,bb\ny,dd\n");
        // A quote in a comment line opens no quoted cell.
        let (text, material) = rotate_column("# a,\"b\nx,ab\n", Column::At(1)).unwrap();
        assert_eq!(text, "x,bb\n");
        assert_eq!(material, vec![("ab".to_string(), "bb".to_string())]);
    }
}
