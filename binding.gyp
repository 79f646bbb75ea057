{
  "targets": [
    {
      "target_name": "agentline_udp",
      "sources": ["native/agentline_udp.c", "native/recv.c", "native/watch.c", "native/pacer.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
