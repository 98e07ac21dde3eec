#!/bin/bash
echo "hello from $(uname -n), running $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "the test tree is in $TMT_TREE"
