#!/bin/bash
for i in $(seq 1 15); do
    echo "line $i of 15"
    sleep 1
done
