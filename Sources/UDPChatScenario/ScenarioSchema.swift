/// The scenario file's JSON Schema, embedded so `udpchat scenario validate` needs no resource files.
/// Kept byte-identical to `Scenarios/scenario.schema.json` (a test checks it).
public enum ScenarioSchema {
    public static let json = #"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://udpchat.invalid/scenario.schema.json",
  "title": "udpchat scenario",
  "type": "object",
  "required": [
    "name",
    "clients"
  ],
  "additionalProperties": false,
  "properties": {
    "name": {
      "type": "string",
      "description": "Short name shown in reports."
    },
    "description": {
      "type": "string"
    },
    "rto": {
      "$ref": "#/$defs/duration",
      "description": "Retransmission timeout of every reference party (default 10s)."
    },
    "seed": {
      "type": "integer",
      "minimum": 0,
      "description": "Default seed (overridden by --seed)."
    },
    "timeout": {
      "$ref": "#/$defs/duration",
      "description": "Give up after this much (virtual or real) time (default 360 RTO)."
    },
    "latency": {
      "$ref": "#/$defs/duration",
      "description": "Simulated one-way latency of each hop (sim only, default 500us)."
    },
    "modes": {
      "type": "array",
      "items": {
        "enum": [
          "sim",
          "live"
        ]
      },
      "minItems": 1,
      "description": "Modes this scenario supports (default both)."
    },
    "server": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "name": {
          "type": "string"
        },
        "manifest": {
          "type": "string",
          "description": "A server manifest (PROTOCOL.md); live only."
        }
      }
    },
    "clients": {
      "type": "array",
      "minItems": 1,
      "items": {
        "$ref": "#/$defs/client"
      }
    },
    "strangers": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/stranger"
      }
    },
    "proxies": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/proxy"
      }
    },
    "expect": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/expectation"
      }
    }
  },
  "$defs": {
    "duration": {
      "type": [
        "string",
        "number"
      ],
      "pattern": "^[0-9.]+(ns|us|µs|ms|s|m|h|rto)?$",
      "description": "10s, 500ms, 250us, 2m, plain seconds, or a multiple of the RTO (1.5rto)."
    },
    "probability": {
      "type": [
        "string",
        "number"
      ],
      "pattern": "^[0-9.]+%?$",
      "description": "30% or 0.3."
    },
    "name": {
      "type": "string",
      "pattern": "^[A-Za-z][A-Za-z0-9_-]*$"
    },
    "client": {
      "type": "object",
      "required": [
        "name",
        "id"
      ],
      "additionalProperties": false,
      "properties": {
        "name": {
          "$ref": "#/$defs/name"
        },
        "id": {
          "type": "integer",
          "minimum": 1,
          "maximum": 2147483647
        },
        "window": {
          "type": "integer",
          "minimum": 1,
          "maximum": 32
        },
        "refresh": {
          "anyOf": [
            {
              "$ref": "#/$defs/duration"
            },
            {
              "const": "off"
            }
          ],
          "description": "Re-send REGISTER this often once registered (default 25s, the reference client's), or off."
        },
        "manifest": {
          "type": "string",
          "description": "A client manifest (PROTOCOL.md); live only."
        },
        "script": {
          "type": "array",
          "items": {
            "$ref": "#/$defs/step"
          }
        }
      }
    },
    "stranger": {
      "type": "object",
      "required": [
        "name",
        "script"
      ],
      "additionalProperties": false,
      "properties": {
        "name": {
          "$ref": "#/$defs/name"
        },
        "script": {
          "type": "array",
          "items": {
            "$ref": "#/$defs/step"
          }
        }
      }
    },
    "step": {
      "oneOf": [
        {
          "type": "string",
          "enum": [
            "accept",
            "reject",
            "end",
            "quit",
            "cancel"
          ]
        },
        {
          "type": "object",
          "minProperties": 1,
          "maxProperties": 1,
          "additionalProperties": false,
          "properties": {
            "connect": {
              "type": [
                "string",
                "integer"
              ],
              "description": "A party name or a client id."
            },
            "send": {
              "oneOf": [
                {
                  "type": [
                    "string",
                    "number"
                  ]
                },
                {
                  "type": "object",
                  "required": [
                    "text"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "text": {
                      "type": "string",
                      "description": "{n} is replaced by 1, 2, … count."
                    },
                    "count": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 10000
                    }
                  }
                }
              ]
            },
            "wait-for": {
              "oneOf": [
                {
                  "type": [
                    "string",
                    "number"
                  ],
                  "description": "Text of a line this party displays."
                },
                {
                  "type": "object",
                  "required": [
                    "party",
                    "text"
                  ],
                  "additionalProperties": false,
                  "properties": {
                    "party": {
                      "type": "string",
                      "description": "Another client."
                    },
                    "text": {
                      "type": [
                        "string",
                        "number"
                      ]
                    }
                  }
                }
              ]
            },
            "sleep": {
              "$ref": "#/$defs/duration"
            },
            "raw": {
              "type": "object",
              "required": [
                "to",
                "text"
              ],
              "additionalProperties": false,
              "properties": {
                "to": {
                  "type": "string"
                },
                "text": {
                  "type": "string"
                }
              }
            }
          }
        }
      ]
    },
    "impairment": {
      "type": "object",
      "additionalProperties": false,
      "description": "The proxy's impairment vocabulary (udpchat proxy --help); values may use rto units (0.5rto).",
      "properties": {
        "loss": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "delay": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "jitter": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "distribution": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "jitter-reorder": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "duplicate": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "reorder": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "corrupt": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "mtu": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "rate": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "queue": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "limit": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "slot": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        },
        "blackhole": {
          "type": [
            "string",
            "number",
            "boolean"
          ]
        }
      }
    },
    "proxy": {
      "type": "object",
      "required": [
        "in-front-of"
      ],
      "additionalProperties": false,
      "properties": {
        "name": {
          "$ref": "#/$defs/name"
        },
        "in-front-of": {
          "type": "string",
          "description": "server or a client's name."
        },
        "flow-idle": {
          "$ref": "#/$defs/duration",
          "description": "Close a flow (client source address) after this long without a datagram either way; the next datagram opens a new one from a new port (default 60s, the proxy's)."
        },
        "max-flows": {
          "type": "integer",
          "minimum": 1,
          "description": "Most flows at once; datagrams from further clients are dropped (flow-limit). Default 1024, the proxy's."
        },
        "both": {
          "$ref": "#/$defs/impairment"
        },
        "up": {
          "$ref": "#/$defs/impairment"
        },
        "down": {
          "$ref": "#/$defs/impairment"
        },
        "blackhole": {
          "type": "array",
          "items": {
            "type": "string",
            "description": "START+LENGTH, e.g. 5s+15s or 0.5rto+1.5rto."
          },
          "description": "START+LENGTH windows, e.g. 5s+15s."
        },
        "rules": {
          "type": "array",
          "items": {
            "type": "string"
          },
          "description": "Targeted rules in the proxy's vocabulary, e.g. drop dir=up verb=MSG seq=1 nth=1."
        },
        "timeline": {
          "type": "array",
          "description": "Changes over time, e.g. at 10s set loss 50% (the proxy's --config timeline).",
          "items": {
            "type": "object",
            "required": [
              "at",
              "set"
            ],
            "additionalProperties": false,
            "properties": {
              "at": {
                "$ref": "#/$defs/duration"
              },
              "dir": {
                "enum": [
                  "up",
                  "down",
                  "both"
                ]
              },
              "set": {
                "$ref": "#/$defs/impairment"
              }
            }
          }
        }
      }
    },
    "filter": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "verb": {
          "type": "string"
        },
        "from": {
          "type": "string"
        },
        "to": {
          "type": "string"
        },
        "seq": {
          "type": "integer",
          "minimum": 1
        },
        "proxy": {
          "type": "string"
        },
        "dir": {
          "enum": [
            "up",
            "down"
          ]
        },
        "verdict": {
          "type": "string",
          "enum": [
            "forwarded",
            "dropped",
            "duplicated",
            "delayed",
            "reordered",
            "corrupted",
            "truncated",
            "queue-overflow",
            "held"
          ]
        },
        "count": {
          "type": "integer",
          "minimum": 0
        },
        "min": {
          "type": "integer",
          "minimum": 0
        },
        "max": {
          "type": "integer",
          "minimum": 0
        },
        "interval": {
          "type": "array",
          "minItems": 2,
          "maxItems": 2,
          "items": {
            "$ref": "#/$defs/duration"
          },
          "description": "[low, high] between consecutive transmissions: plain numbers are RTO multiples, durations with a unit are absolute."
        }
      }
    },
    "expectation": {
      "type": "object",
      "minProperties": 1,
      "maxProperties": 1,
      "additionalProperties": false,
      "properties": {
        "delivered": {
          "type": "object",
          "required": [
            "to",
            "from"
          ],
          "additionalProperties": false,
          "properties": {
            "to": {
              "type": "string"
            },
            "from": {
              "type": "string"
            },
            "texts": {
              "type": "array",
              "items": {
                "type": [
                  "string",
                  "number"
                ]
              }
            },
            "text": {
              "type": "string",
              "description": "With count: {n} is replaced by 1 … count."
            },
            "count": {
              "type": "integer",
              "minimum": 0
            }
          }
        },
        "resent": {
          "$ref": "#/$defs/filter"
        },
        "wire": {
          "$ref": "#/$defs/filter"
        },
        "dedup": {
          "type": "object",
          "required": [
            "at",
            "from",
            "seq"
          ],
          "additionalProperties": false,
          "properties": {
            "at": {
              "type": "string"
            },
            "from": {
              "type": "string"
            },
            "seq": {
              "type": "integer",
              "minimum": 1
            }
          }
        },
        "displayed": {
          "type": "object",
          "required": [
            "party",
            "text"
          ],
          "additionalProperties": false,
          "properties": {
            "party": {
              "type": "string"
            },
            "text": {
              "type": [
                "string",
                "number"
              ]
            },
            "count": {
              "type": "integer",
              "minimum": 0
            },
            "min": {
              "type": "integer",
              "minimum": 0
            },
            "max": {
              "type": "integer",
              "minimum": 0
            }
          }
        },
        "terminated": {
          "type": "object",
          "required": [
            "by",
            "peer"
          ],
          "additionalProperties": false,
          "properties": {
            "by": {
              "type": "string"
            },
            "peer": {
              "type": "string"
            }
          }
        },
        "left": {
          "type": "string",
          "description": "A client that left: LEAVE answered by LEFT, socket closed only after LEFT."
        },
        "stuck": {
          "type": "boolean",
          "description": "false (default): every script finished."
        }
      }
    }
  }
}
"""#
}
