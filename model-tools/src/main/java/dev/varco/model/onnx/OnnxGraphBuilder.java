package dev.varco.model.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds an ONNX graph whose float32 weights live in an external data file (the graph itself
 * stays small, far from protobuf's 2 GB limit). Opset 20 and IR version 9: LayerNormalization
 * needs opset 17, Gelu with approximate="tanh" needs 20.
 */
public final class OnnxGraphBuilder implements AutoCloseable {
  public static final int OPSET = 20;
  public static final long IR_VERSION = 9;

  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final ExternalDataFile data;
  private final String dataLocation;
  private int nextId;

  /**
   * @param dataFile where the weights go; the graph refers to it by file name, so it must sit
   *     beside the {@code .onnx} file
   */
  public OnnxGraphBuilder(String graphName, Path dataFile) throws IOException {
    graph.setName(graphName);
    this.data = new ExternalDataFile(dataFile);
    this.dataLocation = dataFile.getFileName().toString();
  }

  /** Declares a float32 graph input; a null entry in {@code dims} is the symbolic dimension named by {@code symbols}. */
  public String floatInput(String name, String[] symbols, long... dims) {
    graph.addInput(floatValueInfo(name, symbols, dims));
    return name;
  }

  public void floatOutput(String name, String[] symbols, long... dims) {
    graph.addOutput(floatValueInfo(name, symbols, dims));
  }

  private static ValueInfoProto floatValueInfo(String name, String[] symbols, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (int i = 0; i < dims.length; i++) {
      if (symbols != null && i < symbols.length && symbols[i] != null) {
        shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(symbols[i]));
      } else {
        shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dims[i]));
      }
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
            .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
        .build();
  }

  /** A float32 weight stored in the external data file. */
  public String weight(String name, float[] values, long... dims) throws IOException {
    checkCount(name, values.length, dims);
    return externalTensor(name, TensorProto.DataType.FLOAT, data.append(values), (long) values.length * Float.BYTES,
        dims);
  }

  /** An int8 weight (quantized values) stored in the external data file. */
  public String int8Weight(String name, byte[] values, long... dims) throws IOException {
    checkCount(name, values.length, dims);
    return externalTensor(name, TensorProto.DataType.INT8, data.append(values), values.length, dims);
  }

  private static void checkCount(String name, int count, long... dims) {
    long expected = 1;
    for (long dim : dims) {
      expected *= dim;
    }
    if (count != expected) {
      throw new IllegalArgumentException("weight " + name + " has " + count + " values for shape "
          + java.util.Arrays.toString(dims));
    }
  }

  private String externalTensor(String name, TensorProto.DataType type, long offset, long length, long... dims) {
    TensorProto.Builder tensor = TensorProto.newBuilder()
        .setName(name)
        .setDataType(type.getNumber())
        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
        .addExternalData(entry("location", dataLocation))
        .addExternalData(entry("offset", Long.toString(offset)))
        .addExternalData(entry("length", Long.toString(length)));
    for (long dim : dims) {
      tensor.addDims(dim);
    }
    graph.addInitializer(tensor);
    return name;
  }

  /** A small int64 tensor kept inside the graph (shapes, axes). */
  public String int64Constant(String name, long... values) {
    graph.addInitializer(TensorProto.newBuilder()
        .setName(name)
        .setDataType(TensorProto.DataType.INT64_VALUE)
        .addDims(values.length)
        .addAllInt64Data(java.util.Arrays.stream(values).boxed().toList()));
    return name;
  }

  /** A float32 scalar kept inside the graph. */
  public String floatScalar(String name, float value) {
    graph.addInitializer(TensorProto.newBuilder()
        .setName(name)
        .setDataType(TensorProto.DataType.FLOAT_VALUE)
        .addFloatData(value));
    return name;
  }

  /** Adds a node with one output, named after {@code outputHint}, and returns that output's name. */
  public String node(String opType, String outputHint, List<String> inputs, AttributeProto... attributes) {
    String output = outputHint + "_" + nextId++;
    graph.addNode(NodeProto.newBuilder()
        .setOpType(opType)
        .setName(output)
        .addAllInput(inputs)
        .addOutput(output)
        .addAllAttribute(List.of(attributes)));
    return output;
  }

  /** Adds a node with several outputs (e.g. DynamicQuantizeLinear's y, scale, zero point); returns their names. */
  public List<String> multiOutputNode(String opType, String outputHint, int outputs, List<String> inputs,
      AttributeProto... attributes) {
    String name = outputHint + "_" + nextId++;
    List<String> names = new java.util.ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      names.add(name + "_" + i);
    }
    graph.addNode(NodeProto.newBuilder()
        .setOpType(opType)
        .setName(name)
        .addAllInput(inputs)
        .addAllOutput(names)
        .addAllAttribute(List.of(attributes)));
    return names;
  }

  /** Adds a node whose output gets exactly {@code outputName} (a graph output). */
  public String namedNode(String opType, String outputName, List<String> inputs, AttributeProto... attributes) {
    graph.addNode(NodeProto.newBuilder()
        .setOpType(opType)
        .setName(outputName)
        .addAllInput(inputs)
        .addOutput(outputName)
        .addAllAttribute(List.of(attributes)));
    return outputName;
  }

  public static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder attribute = AttributeProto.newBuilder()
        .setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long value : values) {
      attribute.addInts(value);
    }
    return attribute.build();
  }

  public static AttributeProto integer(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
  }

  public static AttributeProto floating(String name, float value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
  }

  public static AttributeProto string(String name, String value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
        .setS(com.google.protobuf.ByteString.copyFromUtf8(value)).build();
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }

  /** Writes the graph; the external data file is complete once this returns. */
  public void save(Path onnxFile, String producer) throws IOException {
    data.close();
    ModelProto model = ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .setProducerName(producer)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setGraph(graph)
        .build();
    try (OutputStream out = Files.newOutputStream(onnxFile)) {
      model.writeTo(out);
    }
  }

  @Override
  public void close() throws IOException {
    data.close();
  }
}
