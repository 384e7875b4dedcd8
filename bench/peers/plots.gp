# plots.gp - peer-bench's two plots (gnuplot, Debian gnuplot-nox).
#
#   gnuplot -e "dir='bench/out'; lat='KEY ...'; tput='KEY ...'" plots.gp
#
# reads dir/lat-KEY.dat, dir/lat-floor.dat and dir/tput-KEY.dat (written
# by peer-bench: a title row, then x y) and writes dir/latency_vs_size.png
# and dir/throughput_vs_clients.png.  A system keeps its colour in both.

set terminal pngcairo size 1000,640 font "DejaVu Sans,11"
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set key box opaque noenhanced
set datafile missing "NaN"

colour(k) = strstrt(k, "shmrpc-raw") == 1 ? "#b07cd8" : \
            strstrt(k, "shmrpc") == 1 ? "#5e2b97" : \
            strstrt(k, "uds") == 1 ? "#0072b2" : \
            strstrt(k, "zeromq") == 1 ? "#e69f00" : \
            strstrt(k, "grpc") == 1 ? "#009e73" : "#888888"

set output dir."/latency_vs_size.png"
set title "Round trip against payload: bytes echoed, 1 client, median (log-log)"
set xlabel "payload (bytes)"
set ylabel "median round trip (µs)"
set key top left
set logscale xy 10
set format x "%.0s %cB"
set format y "%g"
set xrange [70:3e6]
plot for [k in lat] dir."/lat-".k.".dat" using 1:2 \
     with linespoints lw 2 pt 7 ps 1.1 lc rgb colour(k) title columnhead(2), \
     dir."/lat-floor.dat" using 1:2 with linespoints lw 3 dt 2 pt 1 \
     lc rgb "black" title columnhead(2)

set output dir."/throughput_vs_clients.png"
set title "Small JSON calls (add, 100 B): calls/s of all clients together"
set xlabel "client processes"
set ylabel "calls per second, all clients"
set key bottom right
set logscale x 2
set logscale y 10
set format x "%g"
set format y "%.0s%c"
set xrange [0.8:20]
set autoscale yfix
set offsets 0, 0, graph 0.1, graph 0.1
plot for [k in tput] dir."/tput-".k.".dat" using 1:2 \
     with linespoints lw 2 pt 7 ps 1.1 lc rgb colour(k) title columnhead(2)
