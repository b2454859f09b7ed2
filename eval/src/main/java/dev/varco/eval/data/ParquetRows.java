package dev.varco.eval.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Parquet files as Hugging Face publishes them (`datasets` writes them with pyarrow): one or more
 * shards read in name order, row groups one at a time, each record turned into plain Java values.
 * Reading goes through parquet-java's own record assembly; nothing of the format is parsed here.
 */
public final class ParquetRows implements RowSource {
  private final List<Path> files;
  private final long rows;
  private final List<String> columns;

  public ParquetRows(List<Path> files) {
    if (files.isEmpty()) {
      throw new DatasetException("no parquet files given");
    }
    this.files = List.copyOf(files);
    long count = 0;
    List<String> firstColumns = null;
    for (Path file : files) {
      try (ParquetFileReader reader = open(file)) {
        count += reader.getRecordCount();
        if (firstColumns == null) {
          firstColumns = reader.getFooter().getFileMetaData().getSchema().getFields().stream().map(Type::getName).toList();
        }
      } catch (IOException e) {
        throw new DatasetException(file + ": cannot read the parquet footer: " + e.getMessage(), e);
      }
    }
    this.rows = count;
    this.columns = firstColumns;
  }

  @Override
  public long rowCount() {
    return rows;
  }

  @Override
  public List<String> columns() {
    return columns;
  }

  @Override
  public void forEach(Predicate<Map<String, Object>> visitor) {
    for (Path file : files) {
      long row = 0;
      try (ParquetFileReader reader = open(file)) {
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        PageReadStore pages;
        while ((pages = reader.readNextRowGroup()) != null) {
          RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages, new GroupRecordConverter(schema));
          for (long i = 0; i < pages.getRowCount(); i++, row++) {
            if (!visitor.test(toMap(records.read()))) {
              return;
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        if (e instanceof DatasetException de) {
          throw de;
        }
        throw new DatasetException(file + ": unreadable at row " + row + " (truncated or corrupt file?): " + e.getMessage(), e);
      }
    }
  }

  private static ParquetFileReader open(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new DatasetException(file + ": no such file");
    }
    try {
      return ParquetFileReader.open(new LocalInputFile(file), ParquetReadOptions.builder().build());
    } catch (RuntimeException | IOException e) {
      // parquet-java says "is not a Parquet file (length is too low / expected magic number ...)"
      throw new DatasetException(file + ": not a complete parquet file (" + e.getMessage()
          + "); a download that stopped early looks like this: fetch it again", e);
    }
  }

  static Map<String, Object> toMap(Group group) {
    GroupType type = group.getType();
    Map<String, Object> out = new LinkedHashMap<>();
    for (int field = 0; field < type.getFieldCount(); field++) {
      out.put(type.getFieldName(field), value(group, field, type.getType(field)));
    }
    return out;
  }

  private static Object value(Group group, int field, Type type) {
    int count = group.getFieldRepetitionCount(field);
    if (type.isRepetition(Type.Repetition.REPEATED)) {
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        values.add(single(group, field, i, type));
      }
      return values;
    }
    return count == 0 ? null : single(group, field, 0, type);
  }

  private static Object single(Group group, int field, int index, Type type) {
    if (!type.isPrimitive()) {
      Group nested = group.getGroup(field, index);
      if (LogicalTypeAnnotation.listType().equals(type.getLogicalTypeAnnotation())) {
        return listOf(nested);
      }
      return toMap(nested);
    }
    PrimitiveType primitive = type.asPrimitiveType();
    return switch (primitive.getPrimitiveTypeName()) {
      case BINARY, FIXED_LEN_BYTE_ARRAY -> primitive.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
          ? group.getString(field, index)
          : group.getBinary(field, index).getBytes();
      case INT32 -> (long) group.getInteger(field, index);
      case INT64 -> group.getLong(field, index);
      case FLOAT -> (double) group.getFloat(field, index);
      case DOUBLE -> group.getDouble(field, index);
      case BOOLEAN -> group.getBoolean(field, index);
      case INT96 -> group.getInt96(field, index).getBytes();
    };
  }

  /** A LIST-annotated group: {@code list} repeated, each holding one {@code element}. */
  private static List<Object> listOf(Group listGroup) {
    List<Object> values = new ArrayList<>();
    GroupType listType = listGroup.getType();
    int repeated = listGroup.getFieldRepetitionCount(0);
    Type entryType = listType.getType(0);
    for (int i = 0; i < repeated; i++) {
      if (entryType.isPrimitive()) {
        values.add(single(listGroup, 0, i, entryType));
      } else {
        Group entry = listGroup.getGroup(0, i);
        GroupType inner = entry.getType();
        values.add(inner.getFieldCount() == 1 ? value(entry, 0, inner.getType(0)) : toMap(entry));
      }
    }
    return values;
  }
}
