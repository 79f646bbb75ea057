{
  "targets": [
    {
      "target_name": "agentline_udp",
      "sources": ["native/agentline_udp.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
