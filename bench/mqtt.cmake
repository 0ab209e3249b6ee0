# SPDX-License-Identifier: MIT
gxlink_bench(mqtt SOURCES ${CMAKE_CURRENT_LIST_DIR}/mqtt_bench.cpp DEPS gxlink::publisher_mqtt PkgConfig::MOSQUITTO)  # its subscriber links libmosquitto directly
