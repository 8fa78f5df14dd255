// A third-party reviews widget.
window.reviewsWidget = {stars: 4.6, count: 312};
